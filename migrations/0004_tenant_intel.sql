-- What each tenant adds to the catalog: its overlay on global indicators, its private indicators (which an
-- MSSP may share with all or chosen clients), its sightings, and the append-only audit log.

create table tenant_indicators (
  tenant_id text not null references tenants (id) on delete cascade,
  indicator_id text not null references indicators (id) on delete cascade,
  status text not null default 'new'
    check (status in ('new', 'investigating', 'confirmed', 'false_positive', 'allowlisted', 'expired')),
  effective_score smallint check (effective_score between 0 and 100),
  notes text,
  tags text[] not null default '{}',
  sightings_count integer not null default 0 check (sightings_count >= 0),
  last_sighted_at timestamptz,
  updated_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- One overlay row per tenant and indicator: the tenant is the leading key, as in every tenant table.
  primary key (tenant_id, indicator_id)
);
create index tenant_indicators_indicator_idx on tenant_indicators (indicator_id);
create index tenant_indicators_status_idx on tenant_indicators (tenant_id, status, updated_at desc);
create index tenant_indicators_score_idx on tenant_indicators (tenant_id, effective_score desc, indicator_id);
call tf_apply_tenant_policies('tenant_indicators');
grant select, insert, update, delete on tenant_indicators to tf_app;

create table private_indicators (
  id text primary key,
  tenant_id text not null references tenants (id) on delete cascade,
  type text not null check (type ~ '^[a-z][a-z0-9-]{1,31}$'),
  value text collate "C" not null check (length(value) between 1 and 2048),
  first_seen timestamptz not null default now(),
  last_seen timestamptz not null default now(),
  confidence smallint check (confidence between 0 and 100),
  score smallint not null default 0 check (score between 0 and 100),
  tlp text not null default 'amber' check (tlp in ('clear', 'green', 'amber', 'amber+strict', 'red')),
  tags text[] not null default '{}',
  description text,
  context jsonb not null default '{}',
  -- An MSSP's own intel offered to every one of its clients (chosen clients: indicator_shares).
  shared_with_all_clients boolean not null default false,
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint private_indicators_tenant_type_value_key unique (tenant_id, type, value)
);
create index private_indicators_list_idx on private_indicators (tenant_id, type, last_seen desc, id desc);
create index private_indicators_value_idx on private_indicators (value);

create table indicator_shares (
  id text primary key,
  -- The sharing tenant (the MSSP that owns the private indicator).
  tenant_id text not null references tenants (id) on delete cascade,
  private_indicator_id text not null references private_indicators (id) on delete cascade,
  target_tenant_id text not null references tenants (id) on delete cascade,
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  constraint indicator_shares_indicator_target_key unique (private_indicator_id, target_tenant_id)
);
create index indicator_shares_target_idx on indicator_shares (target_tenant_id, private_indicator_id);
create index indicator_shares_tenant_idx on indicator_shares (tenant_id);

-- The private indicators shared by name with the acting tenant. SECURITY DEFINER (as tf_resolver) so the
-- private_indicators policy does not read indicator_shares under RLS, whose insert policy reads
-- private_indicators: PostgreSQL refuses that cycle as infinite recursion.
create function tf_shared_private_indicators() returns text[]
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
    select coalesce(array_agg(s.private_indicator_id), '{}')
    from indicator_shares s
    where s.target_tenant_id = tf_current_tenant()
  $$;
alter function tf_shared_private_indicators() owner to tf_resolver;
revoke all on function tf_shared_private_indicators() from public;
grant execute on function tf_shared_private_indicators() to tf_app;
grant select on indicator_shares to tf_resolver;

alter table private_indicators enable row level security;
alter table private_indicators force row level security;
-- A client reads its own rows plus its MSSP's rows shared with all clients or with it by name; the owner
-- stays the MSSP, so the client sees the MSSP as the source and never another client.
create policy private_indicators_tenant_select on private_indicators for select to tf_app
  using (
    tenant_id = any ((select tf_readable_tenants())::text[])
    or (
      tenant_id = (select tf_parent_tenant())
      and (
        shared_with_all_clients
        or id = any ((select tf_shared_private_indicators())::text[])
      )
    )
  );
create policy private_indicators_tenant_insert on private_indicators for insert to tf_app
  with check (tenant_id = (select tf_current_tenant()));
create policy private_indicators_tenant_update on private_indicators for update to tf_app
  using (tenant_id = (select tf_current_tenant())) with check (tenant_id = (select tf_current_tenant()));
create policy private_indicators_tenant_delete on private_indicators for delete to tf_app
  using (tenant_id = (select tf_current_tenant()));
grant select, insert, update, delete on private_indicators to tf_app;

alter table indicator_shares enable row level security;
alter table indicator_shares force row level security;
-- The target reads the shares naming it; nothing else.
create policy indicator_shares_tenant_select on indicator_shares for select to tf_app
  using (tenant_id = any ((select tf_readable_tenants())::text[]) or target_tenant_id = (select tf_current_tenant()));
-- Share only your own indicator, only with one of your own children.
create policy indicator_shares_tenant_insert on indicator_shares for insert to tf_app
  with check (
    tenant_id = (select tf_current_tenant())
    and target_tenant_id = any ((select tf_child_tenants())::text[])
    and exists (
      select 1 from private_indicators p
      where p.id = indicator_shares.private_indicator_id and p.tenant_id = (select tf_current_tenant())
    )
  );
create policy indicator_shares_resolver_select on indicator_shares for select to tf_resolver using (true);
create policy indicator_shares_tenant_delete on indicator_shares for delete to tf_app
  using (tenant_id = (select tf_current_tenant()));
grant select, insert, delete on indicator_shares to tf_app;

create table sightings (
  id text primary key,
  tenant_id text not null references tenants (id) on delete cascade,
  indicator_id text references indicators (id) on delete cascade,
  private_indicator_id text references private_indicators (id) on delete cascade,
  seen_at timestamptz not null,
  sighting_count integer not null default 1 check (sighting_count > 0),
  sensor text,
  asset text,
  context jsonb not null default '{}',
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  constraint sightings_one_indicator check (num_nonnulls(indicator_id, private_indicator_id) = 1)
);
create index sightings_tenant_seen_idx on sightings (tenant_id, seen_at desc, id desc);
create index sightings_indicator_idx on sightings (tenant_id, indicator_id, seen_at desc) where indicator_id is not null;
create index sightings_private_indicator_idx on sightings (private_indicator_id) where private_indicator_id is not null;
call tf_apply_tenant_policies('sightings');
-- Foreign keys ignore RLS: a sighting may only name a private indicator the tenant can read.
create policy sightings_visible_private_indicator on sightings as restrictive for all to tf_app
  using (true)
  with check (
    private_indicator_id is null
    or exists (select 1 from private_indicators p where p.id = sightings.private_indicator_id)
  );
grant select, insert, update, delete on sightings to tf_app;

-- Append-only: no foreign key (the trail outlives what it names) and no update or delete, even by the owner.
create table audit_log (
  id text primary key,
  tenant_id text not null,
  actor_user_id text,
  actor_token_id text,
  action text not null check (action ~ '^[a-z][a-z0-9_.-]{1,63}$'),
  target_kind text,
  target_id text,
  request_id text,
  ip inet,
  details jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index audit_log_tenant_created_idx on audit_log (tenant_id, created_at desc, id desc);
create index audit_log_target_idx on audit_log (tenant_id, target_id) where target_id is not null;

create function tf_audit_log_is_append_only() returns trigger
  language plpgsql
  as $$
  begin
    raise exception 'audit_log is append-only (% refused)', tg_op using errcode = 'insufficient_privilege';
  end
  $$;
create trigger audit_log_append_only before update or delete on audit_log
  for each row execute function tf_audit_log_is_append_only();
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function tf_audit_log_is_append_only();

alter table audit_log enable row level security;
alter table audit_log force row level security;
create policy audit_log_tenant_select on audit_log for select to tf_app
  using (tenant_id = any ((select tf_readable_tenants())::text[]));
create policy audit_log_tenant_insert on audit_log for insert to tf_app
  with check (tenant_id = (select tf_current_tenant()));
grant select, insert on audit_log to tf_app;
