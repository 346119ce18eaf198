-- The tenant tree (platform -> MSSPs -> their clients), users and their memberships, sessions and API tokens.

create table tenants (
  id text primary key,
  parent_id text references tenants (id) on delete restrict,
  kind text not null check (kind in ('platform', 'mssp', 'client')),
  name text not null check (length(name) between 1 and 200),
  -- Unique among siblings only: a global unique slug would tell one MSSP that another one's client exists.
  slug text not null check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  settings jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  archived_at timestamptz,
  constraint tenants_parent_slug_key unique nulls not distinct (parent_id, slug),
  constraint tenants_not_own_parent check (parent_id is distinct from id)
);
create index tenants_parent_idx on tenants (parent_id);
create unique index tenants_single_platform_idx on tenants (kind) where kind = 'platform';

-- Tenants the current transaction may read: the acting tenant, plus its direct children when the
-- transaction asked for the overview. A client has no children, so it can never widen its own view.
create function tf_readable_tenants() returns text[]
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
    select coalesce(array_agg(t.id), '{}')
    from tenants t
    where t.id = tf_current_tenant()
       or (tf_overview_requested() and t.parent_id = tf_current_tenant())
  $$;

-- The parent of the acting tenant (its MSSP for a client), or null.
create function tf_parent_tenant() returns text
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$ select t.parent_id from tenants t where t.id = tf_current_tenant() $$;

-- The direct children of the acting tenant (an MSSP's clients); what it may share with.
create function tf_child_tenants() returns text[]
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$ select coalesce(array_agg(t.id), '{}') from tenants t where t.parent_id = tf_current_tenant() $$;

-- The tree has exactly three levels: platform (no parent) -> mssp -> client.
create function tf_check_tenant_shape() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
  as $$
  declare
    parent_kind text;
  begin
    if new.parent_id is not null then
      select t.kind into parent_kind from tenants t where t.id = new.parent_id;
    end if;
    if (new.kind = 'platform' and new.parent_id is not null)
       or (new.kind = 'mssp' and parent_kind is distinct from 'platform')
       or (new.kind = 'client' and parent_kind is distinct from 'mssp') then
      raise exception 'a % tenant cannot have parent kind %', new.kind, coalesce(parent_kind, 'none')
        using errcode = 'check_violation';
    end if;
    return new;
  end
  $$;

create trigger tenants_shape before insert or update of parent_id, kind on tenants
  for each row execute function tf_check_tenant_shape();

alter function tf_readable_tenants() owner to tf_resolver;
alter function tf_parent_tenant() owner to tf_resolver;
alter function tf_child_tenants() owner to tf_resolver;
alter function tf_check_tenant_shape() owner to tf_resolver;
revoke all on function tf_readable_tenants() from public;
revoke all on function tf_parent_tenant() from public;
revoke all on function tf_child_tenants() from public;
revoke all on function tf_check_tenant_shape() from public;
grant execute on function tf_readable_tenants() to tf_app;
grant execute on function tf_parent_tenant() to tf_app;
grant execute on function tf_child_tenants() to tf_app;
grant select on tenants to tf_resolver;

-- Applies the standard tenant policies to a table with a `tenant_id` column: read what the transaction may
-- read (the acting tenant, or an MSSP's overview), write only the acting tenant's rows. New tenant-scoped
-- tables call this (or write equivalent policies); schema.test.ts fails for a table that has none.
create procedure tf_apply_tenant_policies(target regclass)
  language plpgsql
  as $$
  declare
    table_name text := (select c.relname from pg_class c where c.oid = target);
  begin
    execute format('alter table %s enable row level security', target);
    execute format('alter table %s force row level security', target);
    execute format(
      'create policy %I on %s for select to tf_app using (tenant_id = any ((select tf_readable_tenants())::text[]))',
      table_name || '_tenant_select', target);
    execute format(
      'create policy %I on %s for insert to tf_app with check (tenant_id = (select tf_current_tenant()))',
      table_name || '_tenant_insert', target);
    execute format(
      'create policy %I on %s for update to tf_app using (tenant_id = (select tf_current_tenant())) '
      'with check (tenant_id = (select tf_current_tenant()))',
      table_name || '_tenant_update', target);
    execute format(
      'create policy %I on %s for delete to tf_app using (tenant_id = (select tf_current_tenant()))',
      table_name || '_tenant_delete', target);
  end
  $$;

alter table tenants enable row level security;
alter table tenants force row level security;
-- A client sees itself and its MSSP (shown as the source of shared intel), never a sibling. An MSSP always
-- sees its clients' tenant rows (to list and manage them); their data only in the overview.
create policy tenants_tenant_select on tenants for select to tf_app
  using (
    id = any ((select tf_readable_tenants())::text[])
    or id = (select tf_parent_tenant())
    or parent_id = (select tf_current_tenant())
  );
-- Only an MSSP (or the platform) creates tenants, and only as its own children; the shape trigger
-- refuses a client creating anything.
create policy tenants_tenant_insert on tenants for insert to tf_app
  with check (parent_id = (select tf_current_tenant()));
create policy tenants_tenant_update on tenants for update to tf_app
  using (id = (select tf_current_tenant()) or parent_id = (select tf_current_tenant()))
  with check (id = (select tf_current_tenant()) or parent_id = (select tf_current_tenant()));
create policy tenants_resolver_select on tenants for select to tf_resolver using (true);
grant select, insert on tenants to tf_app;
-- Moving a tenant in the tree is an operator action: the app may not change parent_id or kind.
grant update (name, slug, settings, updated_at, archived_at) on tenants to tf_app;

create table users (
  id text primary key,
  email text not null check (position('@' in email) > 1),
  display_name text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  disabled_at timestamptz
);
create unique index users_email_key on users (lower(email));

create table memberships (
  id text primary key,
  tenant_id text not null references tenants (id) on delete cascade,
  user_id text not null references users (id) on delete cascade,
  role text not null check (role in ('owner', 'admin', 'analyst', 'viewer')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint memberships_tenant_user_key unique (tenant_id, user_id)
);
create index memberships_user_idx on memberships (user_id);
call tf_apply_tenant_policies('memberships');
grant select, insert, update, delete on memberships to tf_app;

-- Users are global identities; a tenant sees only users with a membership it can read (OpenCTI let users
-- list every organisation's users). Memberships are themselves under RLS inside this subquery.
alter table users enable row level security;
alter table users force row level security;
create policy users_tenant_select on users for select to tf_app
  using (exists (select 1 from memberships m where m.user_id = users.id));
create policy users_tenant_insert on users for insert to tf_app
  with check ((select tf_current_tenant()) is not null);
create policy users_tenant_update on users for update to tf_app
  using (exists (select 1 from memberships m where m.user_id = users.id and m.tenant_id = (select tf_current_tenant())))
  with check (true);
grant select, insert on users to tf_app;
grant update (email, display_name, updated_at, disabled_at) on users to tf_app;

-- A session acts in one tenant (switching tenant makes a new session row); its logic comes later.
create table sessions (
  id text primary key,
  tenant_id text not null references tenants (id) on delete cascade,
  user_id text not null references users (id) on delete cascade,
  token_hash text not null unique,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  ip inet,
  user_agent text,
  mfa_verified_at timestamptz
);
create index sessions_tenant_user_idx on sessions (tenant_id, user_id);
create index sessions_expires_idx on sessions (expires_at);
call tf_apply_tenant_policies('sessions');
grant select, insert, update, delete on sessions to tf_app;

-- An API token belongs to a tenant, and to a user when user_id is set (a personal token).
create table api_tokens (
  id text primary key,
  tenant_id text not null references tenants (id) on delete cascade,
  user_id text references users (id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  token_prefix text not null,
  token_hash text not null unique,
  scopes text[] not null default '{}',
  created_at timestamptz not null default now(),
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_tokens_tenant_idx on api_tokens (tenant_id, created_at desc);
call tf_apply_tenant_policies('api_tokens');
grant select, insert, update, delete on api_tokens to tf_app;
