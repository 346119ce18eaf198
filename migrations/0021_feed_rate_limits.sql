-- Per-provider request budgets and each feed's last fetch, so collectors respect a source's minimum
-- interval (even on an admin's "collect now") and a budget shared by all feeds of one provider. A 429 with
-- Retry-After blocks the whole provider until then; other providers are unaffected.
create table feed_provider_budgets (
  -- The catalog provider ("abuse.ch") or "host:<name>" for custom feeds.
  provider text primary key,
  window_started_at timestamptz not null,
  requests integer not null default 0 check (requests >= 0),
  blocked_until timestamptz,
  updated_at timestamptz not null default now()
);
alter table feed_provider_budgets enable row level security;
alter table feed_provider_budgets force row level security;
create policy feed_provider_budgets_ingest_all on feed_provider_budgets for all to tf_ingest
  using (true) with check (true);
grant select, insert, update, delete on feed_provider_budgets to tf_ingest;

alter table feed_collector_state add column last_fetch_at timestamptz;
