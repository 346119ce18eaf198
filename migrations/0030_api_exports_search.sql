-- The public API, exports, TAXII 2.1 and search (issue 7). See docs/api.md.
--
-- TAXII `match[id]` and Get Object name indicators by their deterministic STIX id (UUIDv5 over
-- `<producer identity id>/<indicator id>`, docs/adr/0007): uuid_generate_v5 recomputes it in SQL.
create extension if not exists "uuid-ossp";

-- 1. Incremental reads. TAXII `added_after`, the blocklists' `since` mode and full exports walk the active
--    indicators by (updated_at, id): a row's version is its last change. Removals need no change-log table:
--    an indicator leaves a tenant's active set only by a change that bumps one of these timestamps (its
--    overlay status, a private indicator's status), and the `since` reader resolves every row touched after
--    the cursor to its current state (in the set: add; out of it: remove).
create index indicators_updated_idx on indicators (updated_at, id);
create index tenant_indicators_updated_idx on tenant_indicators (tenant_id, updated_at, indicator_id);
create index private_indicators_updated_idx on private_indicators (tenant_id, updated_at, id);

-- Related indicators "from the same feed event": observations sharing a reference (a MISP event, an OTX
-- pulse, a report URL). One plain btree, which the bulk path can afford (unlike trigrams).
create index observations_reference_idx on observations (reference, source_id) where reference is not null;

-- 2. A tenant's own private indicators carry the same workflow status as the overlay of catalog indicators
--    (confirmed, false positive, allowlisted, expired; `revoked` withdraws one without deleting it, so
--    blocklist diffs and TAXII can still announce the removal), plus analyst notes.
alter table private_indicators
  add column status text not null default 'new'
    check (status in ('new', 'investigating', 'confirmed', 'false_positive', 'allowlisted', 'expired', 'revoked')),
  add column notes text;

-- 3. Saved searches: a named filter of the active-indicators query. Those marked `taxii_collection` are also
--    offered as TAXII collections of the tenant.
create table saved_searches (
  id text primary key,
  tenant_id text not null references tenants (id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  description text,
  filter jsonb not null default '{}',
  taxii_collection boolean not null default false,
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint saved_searches_tenant_name_key unique (tenant_id, name)
);
call tf_apply_tenant_policies('saved_searches');
grant select, insert, update, delete on saved_searches to tf_app;

-- 4. TAXII Add Objects status resources (section 4.3.1), kept so that Get Status answers later.
create table taxii_statuses (
  id text primary key,
  tenant_id text not null references tenants (id) on delete cascade,
  collection_id text not null,
  status jsonb not null,
  request_timestamp timestamptz not null default now(),
  created_at timestamptz not null default now()
);
create index taxii_statuses_tenant_created_idx on taxii_statuses (tenant_id, created_at desc);
call tf_apply_tenant_policies('taxii_statuses');
grant select, insert on taxii_statuses to tf_app;

-- 5. Search over the global catalog: one document per indicator, written by the search stage from the rows
--    ingestion reports as new or changed (packages/search `indexIndicators`), never by the bulk path itself
--    (a trigram index on `indicators` made bulk loads 2-3x slower, see 0003). `terms` holds tags, malware
--    families, threat types and source names; `document` their full-text form.
create table indicator_search (
  indicator_id text primary key references indicators (id) on delete cascade,
  type text not null,
  value text collate "C" not null,
  terms text not null default '',
  document tsvector not null,
  updated_at timestamptz not null default now()
);
create index indicator_search_value_trgm_idx on indicator_search using gin (value gin_trgm_ops);
create index indicator_search_document_idx on indicator_search using gin (document);
alter table indicator_search enable row level security;
alter table indicator_search force row level security;
create policy indicator_search_tenant_select on indicator_search for select to tf_app
  using ((select tf_current_tenant()) is not null);
create policy indicator_search_ingest_all on indicator_search for all to tf_ingest using (true) with check (true);
grant select on indicator_search to tf_app;
grant select, insert, update, delete on indicator_search to tf_ingest;

-- Tenant data is small next to the catalog: trigram indexes on it directly.
create index private_indicators_value_trgm_idx on private_indicators using gin (value gin_trgm_ops);
create index tenant_indicators_notes_trgm_idx on tenant_indicators using gin (notes gin_trgm_ops)
  where notes is not null;
