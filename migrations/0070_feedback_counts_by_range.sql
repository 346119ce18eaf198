-- The catalog re-score pass reads the catalog by id range (services scoring/catalog-pass.ts, issue 9): tenants'
-- verdicts for one range as counts, the same aggregate as tf_feedback_counts(text[]) without an id list to send.
-- Counts only (no tenant ids), as before; read through tenant_indicators_indicator_idx. Nothing is added to
-- any write path.
create function tf_feedback_counts_between(after_id text, through_id text)
  returns table (indicator_id text, false_positive_tenants integer, true_positive_tenants integer)
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
    select ti.indicator_id,
           (count(*) filter (where ti.status = 'false_positive'))::integer,
           (count(*) filter (where ti.status = 'confirmed'))::integer
    from tenant_indicators ti
    where ti.indicator_id > after_id and (through_id is null or ti.indicator_id <= through_id)
      and ti.status in ('false_positive', 'confirmed')
    group by ti.indicator_id
  $$;
alter function tf_feedback_counts_between(text, text) owner to tf_resolver;
revoke all on function tf_feedback_counts_between(text, text) from public;
grant execute on function tf_feedback_counts_between(text, text) to tf_ingest;
