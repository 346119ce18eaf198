-- Observations without a foreign key to `sources` (issue 5, ingestion at a million rows).
--
-- Every observation insert ran the key's check, `SELECT 1 FROM sources WHERE id = $1 FOR KEY SHARE`: a lock on
-- the ONE source row of the feed, taken once per row by each of the consumer's parallel transactions (two
-- lockers of one row make it a MultiXact). Measured with pg_stat_statements in `bench:ingest 200000`: the
-- key checks of observations (to sources and to indicators, which PostgreSQL 18 lists under one entry) ran
-- 400,305 times for 4.1 s, about 10 µs each; this one is half of them. The bulk path already joins `sources`
-- (global ones only) in the statement that inserts observations, so the check repeated what the statement
-- proves; the key's other duty, removing a deleted source's observations, moves to a statement trigger that
-- runs as tf_resolver (SECURITY DEFINER with a delete-only policy, as for the search documents in 0055:
-- `observations` forces row-level security and no policy names the owner). The key to `indicators` stays.

alter table observations drop constraint observations_source_id_fkey;

create policy observations_resolver_delete on observations for delete to tf_resolver using (true);
create policy observations_resolver_select on observations for select to tf_resolver using (true);
grant select, delete on observations to tf_resolver;

create function tf_forget_source_observations() returns trigger
  language plpgsql security definer
  set search_path = public
as $$
begin
  if tg_op = 'TRUNCATE' then
    delete from observations;
  else
    delete from observations o using removed r where o.source_id = r.id;
  end if;
  return null;
end
$$;
alter function tf_forget_source_observations() owner to tf_resolver;
revoke execute on function tf_forget_source_observations() from public;

create trigger sources_forget_observations after delete on sources
  referencing old table as removed for each statement execute function tf_forget_source_observations();
create trigger sources_forget_observations_on_truncate after truncate on sources
  for each statement execute function tf_forget_source_observations();
