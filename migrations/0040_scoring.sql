-- Scoring and false-positive suppression in the platform (issue 9). See docs/scoring.md ("In the platform").
--
-- Two numbers per indicator, both materialized: the global one on the catalog row (written by the scoring
-- stage as tf_ingest), the tenant's effective one on its overlay row (written inside the tenant's
-- transaction). Filters, sorting, pagination and exports read stored columns; nothing is computed at
-- query time.

-- 1. The global score on the catalog. Ingestion keeps writing `confidence` (the feed's own stated confidence)
--    and `base_score` (what one feed alone justifies); the scoring stage owns these columns, so the two
--    writers never overwrite each other and a feed run does not churn every row twice.
alter table indicators
  -- Stored score (0-100): stepped at decay reaction points, 0 once expired.
  add column score smallint not null default 0 check (score between 0 and 100),
  -- Our confidence (STIX semantics) across all sources; never written into the score or back.
  add column score_confidence smallint check (score_confidence between 0 and 100),
  -- Score before decay and the instant decay started: what a tenant overlay builds on.
  add column score_base real check (score_base between 0 and 100),
  add column score_decay_start timestamptz,
  add column score_expired boolean not null default false,
  -- When decay alone next changes `score`; the scheduler re-scores rows whose time has come.
  add column score_next_reaction_at timestamptz,
  add column score_explanation jsonb,
  add column scored_at timestamptz,
  -- Global known-benign state (MISP warninglists, reserved ranges) with its reasons; "flag" reasons are kept
  -- without suppressing.
  add column suppressed boolean not null default false,
  add column suppression_reasons jsonb not null default '[]';
create index indicators_score_due_idx on indicators (score_next_reaction_at)
  where score_next_reaction_at is not null;
create index indicators_unscored_idx on indicators (id) where scored_at is null;

-- 2. The tenant's effective score, its explanation and suppression on the overlay. `restore_status` is set
--    while the scoring stage (not an analyst) holds the row in `allowlisted` or `expired`: the status it
--    goes back to when the cause goes (an allowlist entry removed, a new sighting).
alter table tenant_indicators
  add column effective_expired boolean not null default false,
  add column effective_next_reaction_at timestamptz,
  add column score_explanation jsonb,
  add column scored_at timestamptz,
  add column suppressed boolean not null default false,
  add column suppression_reasons jsonb not null default '[]',
  add column restore_status text check (restore_status in ('new', 'investigating')),
  add column verdict_at timestamptz;
-- `scored_at` holds the overlay version (`updated_at`) that was scored: a row changed since (a verdict, a
-- sighting, a note) is due at once, whoever changed it.
create index tenant_indicators_score_due_idx on tenant_indicators (effective_next_reaction_at)
  where effective_next_reaction_at is not null;
create index tenant_indicators_unscored_idx on tenant_indicators (tenant_id, indicator_id)
  where scored_at is distinct from updated_at;

-- 3. The model as data: an MSSP's (or the platform's) edit of the defaults, validated by the scoring package.
--    The platform tenant's row tunes the global score; an MSSP's row tunes its clients' effective scores.
create table scoring_models (
  tenant_id text primary key references tenants (id) on delete cascade,
  -- 'global': the platform operator's row, which tunes the global score (and is the base of every MSSP's);
  -- 'clients': an MSSP's row, which tunes its clients' effective scores.
  scope text not null check (scope in ('global', 'clients')),
  settings jsonb not null default '{}',
  version integer not null default 1 check (version > 0),
  updated_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
call tf_apply_tenant_policies('scoring_models');
-- A client's effective scores follow its MSSP's model, so a client transaction reads its parent's row.
create policy scoring_models_parent_select on scoring_models for select to tf_app
  using (tenant_id = (select tf_parent_tenant()));
create policy scoring_models_global_select on scoring_models for select to tf_app using (scope = 'global');
create unique index scoring_models_one_global_key on scoring_models (scope) where scope = 'global';
create policy scoring_models_ingest_select on scoring_models for select to tf_ingest using (true);
grant select, insert, update, delete on scoring_models to tf_app;
grant select on scoring_models to tf_ingest;

-- 4. MISP warninglists as a feed: list metadata plus one row per entry, indexed for candidate lookup (hosts
--    and exact strings by key, ranges by containment) so a Worker never has to hold all ~530,000 entries.
create table warninglists (
  id text primary key check (id ~ '^[a-z0-9][a-z0-9_.-]{0,99}$'),
  name text not null,
  description text,
  version bigint not null,
  list_type text not null check (list_type in ('string', 'substring', 'hostname', 'cidr', 'regex')),
  category text,
  matching_attributes text[] not null default '{}',
  effect text not null check (effect in ('suppress', 'flag')),
  enabled boolean not null default true,
  entry_count integer not null default 0,
  source_url text,
  -- SHA-256 of the list's JSON: a refresh that brings the same list writes nothing.
  checksum text not null,
  imported_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create table warninglist_entries (
  list_id text not null references warninglists (id) on delete cascade,
  entry text not null,
  -- Lower-case host or string (hostname and string lists): equality lookup of an indicator's candidates.
  match_key text,
  -- Network of a cidr list's entry (normalized: host bits zero), for containment lookup.
  net cidr,
  primary key (list_id, entry)
);
create index warninglist_entries_key_idx on warninglist_entries (match_key) where match_key is not null;
-- Containment is looked up as equality: an address probes the network of each of its prefix lengths (33 for
-- IPv4), a btree lookup each. Measured on the 520,000 MISP entries, GiST `>>=` took ~2 ms per address.
create index warninglist_entries_net_idx on warninglist_entries (net) where net is not null;
do $$
declare
  target text;
begin
  foreach target in array array['warninglists', 'warninglist_entries'] loop
    execute format('alter table %I enable row level security', target);
    execute format('alter table %I force row level security', target);
    -- Public data: every tenant may read the lists (and see why something is suppressed).
    execute format('create policy %I on %I for select to tf_app using (true)', target || '_app_select', target);
    execute format('create policy %I on %I for all to tf_ingest using (true) with check (true)', target || '_ingest_all', target);
    execute format('grant select on %I to tf_app', target);
    execute format('grant select, insert, update, delete on %I to tf_ingest', target);
  end loop;
end
$$;

-- 5. Tenant allowlists: the client's own domains, ranges, brands. Managed by tenant admins and the MSSP.
create table allowlist_entries (
  id text primary key,
  tenant_id text not null references tenants (id) on delete cascade,
  value text not null check (length(value) between 1 and 512),
  entry_type text not null check (entry_type in ('cidr', 'hostname', 'string', 'substring')),
  -- Indicator types the entry applies to; null: the default for its type (see the scoring package).
  applies_to text[],
  note text check (length(note) <= 500),
  match_key text,
  net cidr,
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint allowlist_entries_tenant_value_key unique (tenant_id, entry_type, value)
);
create index allowlist_entries_key_idx on allowlist_entries (match_key) where match_key is not null;
create index allowlist_entries_net_idx on allowlist_entries using gist (net inet_ops) where net is not null;
call tf_apply_tenant_policies('allowlist_entries');
grant select, insert, update, delete on allowlist_entries to tf_app;

-- 6. Requests to re-score a catalog indicator globally (a tenant's verdict changed the feedback counts). No
--    tenant id: the request says only "re-count this one". Written by tf_app, drained by the scheduler.
create table score_requests (
  indicator_id text primary key references indicators (id) on delete cascade,
  requested_at timestamptz not null default now()
);
alter table score_requests enable row level security;
alter table score_requests force row level security;
create policy score_requests_app_insert on score_requests for insert to tf_app with check (true);
create policy score_requests_ingest_all on score_requests for all to tf_ingest using (true) with check (true);
grant insert on score_requests to tf_app;
grant select, insert, update, delete on score_requests to tf_ingest;

-- A full pass over the catalog (after a warninglist refresh or an edit of the global model), walked a page
-- per scheduler tick in id order; only rows whose result changes are written.
create table scoring_sweeps (
  id text primary key,
  reason text not null,
  cursor text not null default '',
  examined bigint not null default 0,
  changed bigint not null default 0,
  started_at timestamptz not null default now(),
  finished_at timestamptz
);
create index scoring_sweeps_open_idx on scoring_sweeps (started_at) where finished_at is null;
alter table scoring_sweeps enable row level security;
alter table scoring_sweeps force row level security;
create policy scoring_sweeps_ingest_all on scoring_sweeps for all to tf_ingest using (true) with check (true);
create policy scoring_sweeps_app_select on scoring_sweeps for select to tf_app using (true);
-- The platform operator's edit of the global model starts a sweep from its own transaction.
create policy scoring_sweeps_app_insert on scoring_sweeps for insert to tf_app
  with check ((select tf_current_tenant_is_platform()));
grant select, insert, update on scoring_sweeps to tf_ingest;
grant select, insert on scoring_sweeps to tf_app;

-- 7. What the global scoring stage (tf_ingest) may learn about tenants, through SECURITY DEFINER functions
--    owned by tf_resolver: counts and tenant ids, never the overlay itself.
grant select on allowlist_entries to tf_resolver;
create policy allowlist_entries_resolver_select on allowlist_entries for select to tf_resolver using (true);

-- Tenants' verdicts on these indicators as counts (k-anonymity is applied by the scoring package).
create function tf_feedback_counts(indicator_ids text[])
  returns table (indicator_id text, false_positive_tenants integer, true_positive_tenants integer)
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
    select ti.indicator_id,
           (count(*) filter (where ti.status = 'false_positive'))::integer,
           (count(*) filter (where ti.status = 'confirmed'))::integer
    from tenant_indicators ti
    where ti.indicator_id = any (indicator_ids) and ti.status in ('false_positive', 'confirmed')
    group by ti.indicator_id
  $$;

-- Tenants that must re-score some of these indicators: those holding an overlay row on them, and those whose
-- allowlist has a candidate entry (same host key, containing network, or any substring entry).
create function tf_scoring_tenants(indicator_ids text[], match_keys text[], nets inet[])
  returns table (tenant_id text)
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
    select ti.tenant_id from tenant_indicators ti where ti.indicator_id = any (indicator_ids)
    union
    select a.tenant_id from allowlist_entries a where a.match_key = any (match_keys)
    union
    select a.tenant_id from allowlist_entries a
      where a.net is not null and exists (select 1 from unnest(nets) as n (net) where a.net >>= n.net)
    union
    select a.tenant_id from allowlist_entries a where a.entry_type = 'substring'
  $$;

-- Tenants with overlay rows whose decay reaction point has come.
create function tf_scoring_due_tenants(due_before timestamptz)
  returns table (tenant_id text, due integer)
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
    select ti.tenant_id, count(*)::integer from tenant_indicators ti
    where ti.effective_next_reaction_at <= due_before or ti.scored_at is distinct from ti.updated_at
    group by ti.tenant_id
  $$;

do $$
declare
  fn text;
begin
  foreach fn in array array['tf_feedback_counts(text[])', 'tf_scoring_tenants(text[], text[], inet[])',
                            'tf_scoring_due_tenants(timestamptz)'] loop
    execute format('alter function %s owner to tf_resolver', fn);
    execute format('revoke all on function %s from public', fn);
    execute format('grant execute on function %s to tf_ingest', fn);
  end loop;
end
$$;
-- Tenant transactions re-score overlays with the same counts.
grant execute on function tf_feedback_counts(text[]) to tf_app;
