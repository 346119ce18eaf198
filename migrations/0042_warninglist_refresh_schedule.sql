-- MISP warninglists refreshed as a feed (issue 9): one row says when the next refresh is due. The cron claims
-- it (moving `next_refresh_at` forward in the same statement, so two ticks never both claim) and enqueues
-- one refresh message; the consumer fetches the lists, re-imports only those whose checksum changed and
-- starts a catalog sweep that applies them retroactively.
create table warninglist_refresh (
  singleton boolean primary key default true check (singleton),
  -- MISP publishes list changes a few times a week; daily keeps suppression current without churn.
  interval_seconds integer not null default 86400 check (interval_seconds >= 300),
  next_refresh_at timestamptz not null default now(),
  last_claimed_at timestamptz,
  last_finished_at timestamptz,
  -- Counts and failures of the last refresh: { imported, unchanged, rejected, failed, sweepId }.
  last_result jsonb
);
insert into warninglist_refresh default values;
alter table warninglist_refresh enable row level security;
alter table warninglist_refresh force row level security;
create policy warninglist_refresh_ingest_all on warninglist_refresh for all to tf_ingest using (true) with check (true);
create policy warninglist_refresh_app_select on warninglist_refresh for select to tf_app using (true);
grant select, update on warninglist_refresh to tf_ingest;
grant select on warninglist_refresh to tf_app;
