-- Tenant-private indicators are suppressed like catalog ones (issue 9): by the MISP warninglists, the
-- reserved address ranges and the owning tenant's allowlist, with the reasons recorded. The workflow status
-- carries the effect, as on the overlay of catalog indicators: an open row ("new", "investigating") is held
-- in `allowlisted` while something suppresses it and goes back to `restore_status` when the cause goes, so
-- every reader that already drops `allowlisted` rows (exports, blocklists, TAXII) drops these too.
alter table private_indicators
  add column suppressed boolean not null default false,
  add column suppression_reasons jsonb not null default '[]',
  add column restore_status text check (restore_status in ('new', 'investigating')),
  -- The row version (`updated_at`) whose suppression was decided: a row created or changed since, by any
  -- path (API, import, private feed), is due for the scheduler.
  add column scored_at timestamptz;
create index private_indicators_unscored_idx on private_indicators (tenant_id, id)
  where scored_at is distinct from updated_at;

-- Tenants with private indicators to decide (tenant ids and counts only), for the scheduler running as
-- tf_ingest; each tenant's rows are then read and written inside that tenant's own transaction.
grant select on private_indicators to tf_resolver;
create policy private_indicators_resolver_select on private_indicators for select to tf_resolver using (true);
create function tf_scoring_private_tenants()
  returns table (tenant_id text, due integer)
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
    select p.tenant_id, count(*)::integer from private_indicators p
    where p.scored_at is distinct from p.updated_at
    group by p.tenant_id
  $$;
alter function tf_scoring_private_tenants() owner to tf_resolver;
revoke all on function tf_scoring_private_tenants() from public;
grant execute on function tf_scoring_private_tenants() to tf_ingest;
