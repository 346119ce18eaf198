-- The ingestion pipeline (issue 5): built-in catalog sync, collector state per feed, chunked feed runs with
-- an idempotency ledger, rejected rows with their line numbers, the dead-letter store, and the routing of
-- changed indicators to the tenants that hold state about them. See docs/ingestion.md.

-- Built-in feeds carry the id of their definition in packages/feeds (catalog sync is keyed on it).
alter table feeds add column catalog_id text;
create unique index feeds_catalog_id_key on feeds (catalog_id) where tenant_id is null and catalog_id is not null;
-- Sources likewise (one source per provider; several feeds may share it).
alter table sources add column catalog_id text;
create unique index sources_catalog_id_key on sources (catalog_id) where tenant_id is null and catalog_id is not null;

-- The catalog sync (run as tf_ingest) writes the global rows, and only those.
create policy sources_ingest_insert on sources for insert to tf_ingest with check (tenant_id is null);
create policy sources_ingest_update on sources for update to tf_ingest using (tenant_id is null) with check (tenant_id is null);
create policy feeds_ingest_insert on feeds for insert to tf_ingest with check (tenant_id is null);
create policy feeds_ingest_update on feeds for update to tf_ingest using (tenant_id is null) with check (tenant_id is null);
grant insert, update on sources, feeds to tf_ingest;

-- Feed runs: chunk bookkeeping (a run finishes exactly once, when every chunk it announced is applied), the
-- validators to store once the run succeeds, and who started it. Only tf_ingest writes runs; the counters
-- are summed from the chunk ledger when the run finishes, so chunk transactions never contend on the run row.
alter table feed_runs
  add column trigger text not null default 'schedule' check (trigger in ('schedule', 'manual', 'import')),
  add column failure_reason text,
  add column rows_skipped integer not null default 0,
  add column chunks_expected integer check (chunks_expected >= 0),
  add column chunks_done integer not null default 0 check (chunks_done >= 0),
  add column etag text,
  add column last_modified text,
  add column cursor text;

-- Collector state, one row per feed: when it is next due, the conditional-GET validators, the failure streak
-- for backoff, the incremental cursor, and the claim that keeps two schedulers from collecting it at once.
-- No tenant_id: a tenant reads the state of exactly the feeds it can read (the feeds policy decides).
create table feed_collector_state (
  feed_id text primary key references feeds (id) on delete cascade,
  next_fetch_at timestamptz not null default now(),
  consecutive_failures integer not null default 0 check (consecutive_failures >= 0),
  etag text,
  last_modified text,
  cursor text,
  last_status text check (last_status in ('succeeded', 'partial', 'failed')),
  last_error text,
  last_success_at timestamptz,
  claimed_run_id text,
  claimed_until timestamptz,
  updated_at timestamptz not null default now()
);
alter table feed_collector_state enable row level security;
alter table feed_collector_state force row level security;
create policy feed_collector_state_ingest_all on feed_collector_state for all to tf_ingest using (true) with check (true);
create policy feed_collector_state_tenant_select on feed_collector_state for select to tf_app
  using (exists (select 1 from feeds f where f.id = feed_collector_state.feed_id));
grant select, insert, update, delete on feed_collector_state to tf_ingest;
grant select on feed_collector_state to tf_app;

-- The idempotency ledger: one row per applied chunk (`run_id:chunk`), written in the same transaction as the
-- chunk's upserts, so a redelivered or replayed chunk changes nothing. `touched_ids` keeps what the chunk
-- changed until it has been handed to the tenants and the after-change hook (`handed_off`).
create table ingest_chunks (
  run_id text not null references feed_runs (id) on delete cascade,
  chunk integer not null check (chunk >= 0),
  -- Copied from the run: null for a global feed.
  tenant_id text references tenants (id) on delete cascade,
  indicators integer not null default 0,
  indicators_new integer not null default 0,
  indicators_changed integer not null default 0,
  indicators_unchanged integer not null default 0,
  rows_rejected integer not null default 0,
  touched_ids text[] not null default '{}',
  handed_off boolean not null default false,
  applied_at timestamptz not null default now(),
  primary key (run_id, chunk)
);
create index ingest_chunks_pending_idx on ingest_chunks (run_id) where not handed_off;

-- Rejected rows of a run with their line numbers and reasons (a few per chunk; all are counted on the run).
create table feed_run_rejections (
  run_id text not null references feed_runs (id) on delete cascade,
  chunk integer not null,
  ordinal integer not null,
  tenant_id text references tenants (id) on delete cascade,
  line integer not null,
  reason text not null,
  raw text not null default '',
  primary key (run_id, chunk, ordinal)
);

do $$
declare
  target text;
begin
  foreach target in array array['ingest_chunks', 'feed_run_rejections'] loop
    execute format('alter table %I enable row level security', target);
    execute format('alter table %I force row level security', target);
    -- Like feed_runs: global rows for every tenant transaction, tenant rows for their tenant.
    execute format(
      'create policy %I on %I for select to tf_app using ((tenant_id is null and (select tf_current_tenant()) is not null) '
      'or tenant_id = any ((select tf_readable_tenants())::text[]))', target || '_tenant_select', target);
    execute format(
      'create policy %I on %I for insert to tf_app with check (tenant_id = (select tf_current_tenant()))',
      target || '_tenant_insert', target);
    execute format(
      'create policy %I on %I for update to tf_app using (tenant_id = (select tf_current_tenant())) '
      'with check (tenant_id = (select tf_current_tenant()))', target || '_tenant_update', target);
    execute format('create policy %I on %I for all to tf_ingest using (true) with check (true)', target || '_ingest_all', target);
    execute format('grant select, insert, update on %I to tf_app', target);
    execute format('grant select, insert, update, delete on %I to tf_ingest', target);
  end loop;
end
$$;

-- Queue messages that kept failing, stored once per message for admins to read (and replay later).
create table ingest_dead_letters (
  id text primary key,
  message_id text not null unique,
  queue text not null,
  kind text,
  feed_id text,
  run_id text,
  attempts integer not null default 0,
  body jsonb not null,
  created_at timestamptz not null default now()
);
create index ingest_dead_letters_created_idx on ingest_dead_letters (created_at desc, id desc);

-- True inside a transaction of the platform operator's tenant (dead letters are platform-wide).
create function tf_current_tenant_is_platform() returns boolean
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$ select exists (select 1 from tenants t where t.id = tf_current_tenant() and t.kind = 'platform') $$;
alter function tf_current_tenant_is_platform() owner to tf_resolver;
revoke all on function tf_current_tenant_is_platform() from public;
grant execute on function tf_current_tenant_is_platform() to tf_app;

alter table ingest_dead_letters enable row level security;
alter table ingest_dead_letters force row level security;
create policy ingest_dead_letters_ingest_all on ingest_dead_letters for all to tf_ingest using (true) with check (true);
create policy ingest_dead_letters_platform_select on ingest_dead_letters for select to tf_app
  using ((select tf_current_tenant_is_platform()));
grant select, insert, update on ingest_dead_letters to tf_ingest;
grant select on ingest_dead_letters to tf_app;

-- Which tenants need the global changes of these runs' pending chunks: those that hold tenant state about the
-- indicators (an overlay row: status, notes, sightings) and subscribe to the feed. The ingestion role learns
-- only tenant ids and indicator ids, never the overlay itself; the cost follows the overlays touched, not the
-- number of tenants.
create policy tenant_indicators_resolver_select on tenant_indicators for select to tf_resolver using (true);
create policy feed_subscriptions_resolver_select on feed_subscriptions for select to tf_resolver using (true);
create policy ingest_chunks_resolver_select on ingest_chunks for select to tf_resolver using (true);
create policy feed_runs_resolver_select on feed_runs for select to tf_resolver using (true);
grant select on tenant_indicators, feed_subscriptions, ingest_chunks, feed_runs to tf_resolver;

create function tf_tenant_changes_for_runs(run_ids text[])
  returns table (run_id text, chunk integer, tenant_id text, indicator_ids text[])
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
    select c.run_id, c.chunk, ti.tenant_id, array_agg(ti.indicator_id order by ti.indicator_id)
    from ingest_chunks c
    join feed_runs r on r.id = c.run_id
    cross join lateral unnest(c.touched_ids) as changed (indicator_id)
    join tenant_indicators ti on ti.indicator_id = changed.indicator_id
    where c.run_id = any (run_ids) and c.tenant_id is null and not c.handed_off
      and exists (
        select 1 from feed_subscriptions s
        where s.tenant_id = ti.tenant_id and s.feed_id = r.feed_id and s.enabled
      )
    group by c.run_id, c.chunk, ti.tenant_id
  $$;
alter function tf_tenant_changes_for_runs(text[]) owner to tf_resolver;
revoke all on function tf_tenant_changes_for_runs(text[]) from public;
grant execute on function tf_tenant_changes_for_runs(text[]) to tf_ingest;
