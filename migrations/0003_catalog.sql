-- Sources and feeds (a global catalog plus tenant-specific ones), feed runs, and the global indicator
-- catalog with its per-source observations. The ingestion role (tf_ingest) writes indicators,
-- observations and feed runs; the application reads them inside a tenant transaction.

create table sources (
  id text primary key,
  -- null: the global OSINT catalog, readable by every tenant; otherwise private to that tenant.
  tenant_id text references tenants (id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  kind text not null default 'osint' check (kind in ('osint', 'commercial', 'community', 'internal', 'mssp')),
  homepage text,
  licence text,
  -- Admiralty-code source reliability, A (reliable) to F (cannot be judged).
  reliability text not null default 'F' check (reliability in ('A', 'B', 'C', 'D', 'E', 'F')),
  default_tlp text not null default 'clear' check (default_tlp in ('clear', 'green', 'amber', 'amber+strict', 'red')),
  description text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint sources_tenant_name_key unique nulls not distinct (tenant_id, name)
);

create table feeds (
  id text primary key,
  tenant_id text references tenants (id) on delete cascade,
  source_id text not null references sources (id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  url text,
  format text not null,
  cadence_seconds integer check (cadence_seconds is null or cadence_seconds >= 60),
  enabled boolean not null default true,
  config jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_run_at timestamptz,
  constraint feeds_tenant_name_key unique nulls not distinct (tenant_id, name)
);
create index feeds_source_idx on feeds (source_id);

-- A tenant's choice of global feeds (on/off, its own confidence floor).
create table feed_subscriptions (
  id text primary key,
  tenant_id text not null references tenants (id) on delete cascade,
  feed_id text not null references feeds (id) on delete cascade,
  enabled boolean not null default true,
  min_confidence smallint check (min_confidence between 0 and 100),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint feed_subscriptions_tenant_feed_key unique (tenant_id, feed_id)
);
create index feed_subscriptions_feed_idx on feed_subscriptions (feed_id);

create table feed_runs (
  id text primary key,
  feed_id text not null references feeds (id) on delete cascade,
  -- Copied from the feed: null for a global feed's run.
  tenant_id text references tenants (id) on delete cascade,
  status text not null default 'running' check (status in ('running', 'succeeded', 'partial', 'failed')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  http_status integer,
  bytes_fetched bigint not null default 0,
  rows_parsed integer not null default 0,
  rows_rejected integer not null default 0,
  indicators_new integer not null default 0,
  indicators_changed integer not null default 0,
  indicators_unchanged integer not null default 0,
  error text
);
create index feed_runs_feed_started_idx on feed_runs (feed_id, started_at desc);
create index feed_runs_tenant_started_idx on feed_runs (tenant_id, started_at desc);

create table indicators (
  id text primary key,
  -- Open list (ipv4, domain, sha256, …) so new kinds need no migration; the IOC engine owns the names.
  type text not null check (type ~ '^[a-z][a-z0-9-]{1,31}$'),
  -- Byte-order collation: equality and prefix search (value like 'abc%') both use the unique index.
  -- 2048 characters keeps the value within a btree entry; longer values are rejected by the bulk path.
  value text collate "C" not null check (length(value) between 1 and 2048),
  first_seen timestamptz not null,
  last_seen timestamptz not null,
  confidence smallint check (confidence between 0 and 100),
  base_score smallint not null default 0 check (base_score between 0 and 100),
  tlp text not null default 'clear' check (tlp in ('clear', 'green', 'amber', 'amber+strict', 'red')),
  tags text[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint indicators_type_value_key unique (type, value)
);
-- The filtered list: type + time range sorted by last seen, keyset (last_seen, id); score read from the index.
create index indicators_type_last_seen_idx on indicators (type, last_seen desc, id desc) include (base_score);
create index indicators_last_seen_idx on indicators (last_seen desc, id desc);
create index indicators_tags_idx on indicators using gin (tags);
-- No trigram index here: measured, it made every bulk load 2-3x slower (each value yields dozens of
-- trigrams, hashes the most). Prefix search uses indicators_type_value_key; a value without its type uses
-- the same index through PostgreSQL 18's skip scan. Substring search belongs in a table the search stage
-- maintains from the rows the bulk path reports as new or changed (see docs/tenancy.md).

create table observations (
  id text primary key,
  indicator_id text not null references indicators (id) on delete cascade,
  -- Always a global source: the bulk path refuses tenant sources, whose existence must stay private.
  source_id text not null references sources (id) on delete cascade,
  first_seen timestamptz not null,
  last_seen timestamptz not null,
  report_count integer not null default 1 check (report_count > 0),
  malware_family text,
  threat_type text,
  reference text,
  context jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint observations_indicator_source_key unique (indicator_id, source_id)
);
create index observations_source_last_seen_idx on observations (source_id, last_seen desc, indicator_id);
create index observations_malware_family_idx on observations (malware_family) where malware_family is not null;

-- Sources and feeds: global rows for everyone in a tenant transaction, tenant rows for their tenant.
do $$
declare
  target text;
  -- A tenant feed may only point at a source the tenant can read (foreign keys ignore RLS).
  visible_source text;
begin
  foreach target in array array['sources', 'feeds'] loop
    visible_source := case when target = 'feeds'
      then ' and exists (select 1 from sources s where s.id = feeds.source_id)' else '' end;
    execute format('alter table %I enable row level security', target);
    execute format('alter table %I force row level security', target);
    execute format(
      'create policy %I on %I for select to tf_app using ((tenant_id is null and (select tf_current_tenant()) is not null) '
      'or tenant_id = any ((select tf_readable_tenants())::text[]))', target || '_tenant_select', target);
    execute format(
      'create policy %I on %I for insert to tf_app with check (tenant_id = (select tf_current_tenant())%s)',
      target || '_tenant_insert', target, visible_source);
    execute format(
      'create policy %I on %I for update to tf_app using (tenant_id = (select tf_current_tenant())) '
      'with check (tenant_id = (select tf_current_tenant())%s)', target || '_tenant_update', target, visible_source);
    execute format(
      'create policy %I on %I for delete to tf_app using (tenant_id = (select tf_current_tenant()))',
      target || '_tenant_delete', target);
    execute format('create policy %I on %I for select to tf_ingest using (true)', target || '_ingest_select', target);
    execute format('grant select, insert, update, delete on %I to tf_app', target);
    execute format('grant select on %I to tf_ingest', target);
  end loop;
end
$$;

call tf_apply_tenant_policies('feed_subscriptions');
grant select, insert, update, delete on feed_subscriptions to tf_app;

alter table feed_runs enable row level security;
alter table feed_runs force row level security;
create policy feed_runs_tenant_select on feed_runs for select to tf_app
  using ((tenant_id is null and (select tf_current_tenant()) is not null)
    or tenant_id = any ((select tf_readable_tenants())::text[]));
create policy feed_runs_ingest_all on feed_runs for all to tf_ingest using (true) with check (true);
grant select on feed_runs to tf_app;
grant select, insert, update on feed_runs to tf_ingest;

-- The global catalog: readable inside any tenant transaction (never without one), written by ingestion.
do $$
declare
  target text;
begin
  foreach target in array array['indicators', 'observations'] loop
    execute format('alter table %I enable row level security', target);
    execute format('alter table %I force row level security', target);
    execute format(
      'create policy %I on %I for select to tf_app using ((select tf_current_tenant()) is not null)',
      target || '_tenant_select', target);
    execute format('create policy %I on %I for select to tf_ingest using (true)', target || '_ingest_select', target);
    execute format('create policy %I on %I for insert to tf_ingest with check (true)', target || '_ingest_insert', target);
    execute format(
      'create policy %I on %I for update to tf_ingest using (true) with check (true)', target || '_ingest_update', target);
    execute format('grant select on %I to tf_app', target);
    execute format('grant select, insert, update on %I to tf_ingest', target);
  end loop;
end
$$;

-- Foreign keys ignore RLS, so a tenant could otherwise subscribe to another tenant's feed by id.
create policy feed_subscriptions_visible_feed on feed_subscriptions as restrictive for all to tf_app
  using (true) with check (exists (select 1 from feeds f where f.id = feed_subscriptions.feed_id));
