-- Whether any tenant holds an allowlist entry. The scoring stage after ingestion asks it before it reads every
-- touched catalog row's (type, value) back to compute the probe keys for `tf_scoring_tenants` (0040): with no
-- entry anywhere no key can match, so a global feed's rows need not travel back through the Worker (measured in
-- docs/BENCHMARKS.md, Ingestion pipeline, session 6). The answer is one boolean and names no tenant.
create function tf_scoring_allowlists_present()
  returns boolean
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
    select exists (select 1 from allowlist_entries)
  $$;

alter function tf_scoring_allowlists_present() owner to tf_resolver;
revoke all on function tf_scoring_allowlists_present() from public;
grant execute on function tf_scoring_allowlists_present() to tf_ingest;
