-- Roles, extensions and the functions every row-level-security policy is written against.
--
-- Roles (cluster-wide, created NOLOGIN here; dev/test give them a password with ensureLoginRoles(),
-- production operators do it themselves):
--   tf_app       the application: owns nothing, no BYPASSRLS, bound by the tenant policies.
--   tf_ingest    the ingestion pipeline: writes the global indicator catalog, observations and feed runs.
--   tf_resolver  never logs in; owns the SECURITY DEFINER functions that read the tenant tree, so those
--                functions see `tenants` through one narrow policy instead of bypassing RLS altogether.
-- The migrating user owns every table. Tables use FORCE ROW LEVEL SECURITY and no policy names the owner,
-- so even the owner reads tenant data as empty unless it is a superuser.

do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'tf_app') then
    create role tf_app nologin nosuperuser nocreatedb nocreaterole noinherit nobypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'tf_ingest') then
    create role tf_ingest nologin nosuperuser nocreatedb nocreaterole noinherit nobypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'tf_resolver') then
    create role tf_resolver nologin nosuperuser nocreatedb nocreaterole noinherit nobypassrls;
  end if;
end
$$;

-- The owner must be able to hand functions to tf_resolver (PostgreSQL 16+ gives the creator ADMIN only).
do $$
begin
  if not exists (
    select 1 from pg_auth_members m
    join pg_roles r on r.oid = m.roleid
    join pg_roles u on u.oid = m.member
    where r.rolname = 'tf_resolver' and u.rolname = current_user
  ) and not (select rolsuper from pg_roles where rolname = current_user) then
    execute format('grant tf_resolver to %I with set true, inherit false', current_user);
  end if;
end
$$;

create extension if not exists pg_trgm;

revoke create on schema public from public;
grant usage on schema public to tf_app, tf_ingest, tf_resolver;
-- A new function owner needs CREATE on the schema; tf_resolver cannot log in, so this opens nothing.
grant create on schema public to tf_resolver;

-- The acting tenant of the current transaction, or null when none was set (policies then match nothing).
create function tf_current_tenant() returns text
  language sql stable parallel safe
  as $$ select nullif(current_setting('app.tenant_id', true), '') $$;

-- True when the transaction asked for the MSSP overview (read across its own clients).
create function tf_overview_requested() returns boolean
  language sql stable parallel safe
  as $$ select coalesce(current_setting('app.tenant_scope', true), '') = 'overview' $$;

revoke all on function tf_current_tenant() from public;
revoke all on function tf_overview_requested() from public;
grant execute on function tf_current_tenant() to tf_app, tf_ingest, tf_resolver;
grant execute on function tf_overview_requested() to tf_app, tf_resolver;
