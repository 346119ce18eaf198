-- Identity: the permission table's roles on memberships, credentials, login throttling, invitations, token
-- pinning, the audit hash chain, and the narrow SECURITY DEFINER lookups that authentication needs before
-- the acting tenant is known (sessions and api_tokens are under tenant RLS).

-- 1. Roles: the DB speaks the permission table's roles (packages/core/src/permissions.ts), and a role is valid
--    only for the matching tenant kind.
alter table memberships drop constraint memberships_role_check;
update memberships m
   set role = case
     when t.kind = 'platform' then 'platform_admin'
     when t.kind = 'mssp' and m.role in ('owner', 'admin') then 'mssp_admin'
     when t.kind = 'mssp' and m.role = 'analyst' then 'mssp_analyst'
     when t.kind = 'client' and m.role in ('owner', 'admin') then 'tenant_admin'
     else m.role
   end
  from tenants t
 where t.id = m.tenant_id and m.role in ('owner', 'admin', 'analyst', 'viewer');
-- A viewer of an MSSP has no counterpart role; refuse to guess (an operator decides).
do $$
begin
  if exists (
    select 1 from memberships m join tenants t on t.id = m.tenant_id
    where m.role = 'viewer' and t.kind <> 'client'
  ) then
    raise exception 'memberships: a viewer of an MSSP or the platform has no matching role; fix by hand first';
  end if;
end
$$;
alter table memberships add constraint memberships_role_check
  check (role in ('platform_admin', 'mssp_admin', 'mssp_analyst', 'tenant_admin', 'analyst', 'viewer'));

create function tf_check_membership_role() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
  as $$
  declare
    tenant_kind text;
  begin
    select t.kind into tenant_kind from tenants t where t.id = new.tenant_id;
    if (new.role = 'platform_admin' and tenant_kind is distinct from 'platform')
       or (new.role in ('mssp_admin', 'mssp_analyst') and tenant_kind is distinct from 'mssp')
       or (new.role in ('tenant_admin', 'analyst', 'viewer') and tenant_kind is distinct from 'client') then
      raise exception 'role % is not valid in a % tenant', new.role, coalesce(tenant_kind, 'missing')
        using errcode = 'check_violation';
    end if;
    return new;
  end
  $$;
create trigger memberships_role_matches_tenant before insert or update of role, tenant_id on memberships
  for each row execute function tf_check_membership_role();
alter function tf_check_membership_role() owner to tf_resolver;
revoke all on function tf_check_membership_role() from public;

-- 2. Tenants: suspension and a custom domain (host-based discovery of the portal's branding).
alter table tenants add column suspended_at timestamptz;
alter table tenants add column custom_domain text
  check (custom_domain ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$');
create unique index tenants_custom_domain_key on tenants (custom_domain) where custom_domain is not null;
grant update (suspended_at, custom_domain) on tenants to tf_app;

-- 3. API tokens: IP/CIDR allowlist (canonical CIDR strings) and the last client address.
alter table api_tokens add column ip_allowlist text[] not null default '{}';
alter table api_tokens add column last_used_ip inet;

-- 4. Credentials. Users are global, so these rows carry no tenant: the app reaches a user's credentials only
--    from a transaction of a tenant the user is a member of (the same rule as `users`), and authentication
--    before any tenant is known goes through tf_auth_sign_in_candidate below.
create table user_credentials (
  user_id text primary key references users (id) on delete cascade,
  password_hash text,
  password_updated_at timestamptz,
  -- AES-GCM ciphertext (packages/auth sealSecret) under SECRETS_KEY; pending until the first code is checked.
  totp_secret_sealed text,
  totp_enabled_at timestamptz,
  totp_last_step bigint,
  recovery_code_hashes text[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table user_credentials enable row level security;
alter table user_credentials force row level security;
create policy user_credentials_member on user_credentials for all to tf_app
  using (exists (select 1 from memberships m
                 where m.user_id = user_credentials.user_id and m.tenant_id = (select tf_current_tenant())))
  with check (exists (select 1 from memberships m
                      where m.user_id = user_credentials.user_id and m.tenant_id = (select tf_current_tenant())));
grant select, insert, update on user_credentials to tf_app;

-- Failed sign-in attempts per account and per client address (packages/auth login-throttle). Keys are
-- `account:<sha256 of the lower-cased e-mail>` or `address:<ip>`; no tenant data, so one open policy.
create table login_attempts (
  key text primary key check (key ~ '^(account|address):'),
  failures integer not null default 0,
  last_failure_at timestamptz,
  locked_until timestamptz
);
alter table login_attempts enable row level security;
alter table login_attempts force row level security;
create policy login_attempts_app on login_attempts for all to tf_app using (true) with check (true);
grant select, insert, update, delete on login_attempts to tf_app;

-- 5. Invitations: single use, expiring, only the hash of the link's secret stored.
create table invitations (
  id text primary key,
  tenant_id text not null references tenants (id) on delete cascade,
  email text not null check (position('@' in email) > 1),
  role text not null check (role in ('platform_admin', 'mssp_admin', 'mssp_analyst', 'tenant_admin', 'analyst', 'viewer')),
  secret_hash text not null,
  invited_by_user_id text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_user_id text references users (id) on delete set null,
  revoked_at timestamptz
);
create index invitations_tenant_idx on invitations (tenant_id, created_at desc);
call tf_apply_tenant_policies('invitations');
grant select, insert, update on invitations to tf_app;

-- 6. Audit hash chain (packages/auth audit-chain): per tenant, gap-free sequence. Writers serialise on a
--    transaction advisory lock per tenant; the unique index refuses a fork whatever happens.
alter table audit_log add column seq bigint not null;
alter table audit_log add column previous_hash text not null check (previous_hash ~ '^[0-9a-f]{64}$');
alter table audit_log add column hash text not null check (hash ~ '^[0-9a-f]{64}$');
create unique index audit_log_tenant_seq_key on audit_log (tenant_id, seq);

-- 7. Lookups before the tenant is known. Each takes an unguessable id (or, for sign-in, the e-mail typed by
--    the person signing in) and returns only what verification needs. Owned by tf_resolver (NOLOGIN), which
--    reads through the policies below and nothing else.
create policy sessions_resolver_select on sessions for select to tf_resolver using (true);
create policy api_tokens_resolver_select on api_tokens for select to tf_resolver using (true);
create policy memberships_resolver_select on memberships for select to tf_resolver using (true);
create policy user_credentials_resolver_select on user_credentials for select to tf_resolver using (true);
create policy invitations_resolver_select on invitations for select to tf_resolver using (true);
create policy users_resolver_select on users for select to tf_resolver using (true);
grant select on sessions, api_tokens, memberships, users, user_credentials, invitations to tf_resolver;

create function tf_auth_session(p_session_id text)
  returns table (
    session_id text, tenant_id text, user_id text, token_hash text, created_at timestamptz,
    last_seen_at timestamptz, expires_at timestamptz, revoked_at timestamptz, mfa_verified_at timestamptz,
    role text, tenant_kind text, tenant_parent_id text, tenant_archived_at timestamptz,
    tenant_suspended_at timestamptz, tenant_requires_mfa boolean, user_disabled_at timestamptz,
    user_has_totp boolean
  )
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
    select s.id, s.tenant_id, s.user_id, s.token_hash, s.created_at, s.last_seen_at, s.expires_at,
           s.revoked_at, s.mfa_verified_at, m.role, t.kind, t.parent_id, t.archived_at, t.suspended_at,
           coalesce((t.settings ->> 'requireMfa')::boolean, false),
           u.disabled_at, c.totp_enabled_at is not null
    from sessions s
    join tenants t on t.id = s.tenant_id
    join users u on u.id = s.user_id
    left join memberships m on m.tenant_id = s.tenant_id and m.user_id = s.user_id
    left join user_credentials c on c.user_id = s.user_id
    where s.id = p_session_id
  $$;

create function tf_auth_api_token(p_token_id text)
  returns table (
    token_id text, tenant_id text, user_id text, token_hash text, scopes text[], expires_at timestamptz,
    revoked_at timestamptz, ip_allowlist text[], last_used_at timestamptz, last_used_ip text,
    tenant_kind text, tenant_parent_id text, tenant_archived_at timestamptz, tenant_suspended_at timestamptz,
    tenant_settings jsonb, user_role text, user_disabled_at timestamptz
  )
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
    select k.id, k.tenant_id, k.user_id, k.token_hash, k.scopes, k.expires_at, k.revoked_at,
           k.ip_allowlist, k.last_used_at, host(k.last_used_ip), t.kind, t.parent_id, t.archived_at,
           t.suspended_at, t.settings, m.role, u.disabled_at
    from api_tokens k
    join tenants t on t.id = k.tenant_id
    left join memberships m on m.tenant_id = k.tenant_id and m.user_id = k.user_id
    left join users u on u.id = k.user_id
    where k.id = p_token_id
  $$;

-- Sign-in by e-mail: the password hash and the user's memberships (to pick the tenant to act in).
create function tf_auth_sign_in_candidate(p_email text)
  returns table (user_id text, email text, password_hash text, disabled_at timestamptz, memberships jsonb)
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
    select u.id, u.email, c.password_hash, u.disabled_at,
           coalesce((
             select jsonb_agg(jsonb_build_object('tenantId', m.tenant_id, 'role', m.role, 'tenantKind', t.kind,
                                                 'tenantSlug', t.slug, 'parentId', t.parent_id)
                              order by m.created_at)
             from memberships m join tenants t on t.id = m.tenant_id
             where m.user_id = u.id and t.archived_at is null
           ), '[]'::jsonb)
    from users u
    left join user_credentials c on c.user_id = u.id
    where lower(u.email) = lower(p_email)
  $$;

-- Accepting an invitation: the link carries the invitation id; the tenant follows from it.
create function tf_auth_invitation(p_invitation_id text)
  returns table (invitation_id text, tenant_id text, tenant_parent_id text, tenant_kind text, email text,
                 role text, secret_hash text, expires_at timestamptz, accepted_at timestamptz,
                 revoked_at timestamptz, existing_user_id text)
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
    select i.id, i.tenant_id, t.parent_id, t.kind, i.email, i.role, i.secret_hash, i.expires_at,
           i.accepted_at, i.revoked_at, (select u.id from users u where lower(u.email) = lower(i.email))
    from invitations i join tenants t on t.id = i.tenant_id
    where i.id = p_invitation_id
  $$;

-- Pre-sign-in branding for the portal, by request host: a tenant's custom domain; `<slug>.<mssp custom
-- domain>` for an MSSP's client; `<slug>.<platform host>` for an MSSP. Branding only, nothing private.
create function tf_branding_for_host(p_host text, p_platform_host text)
  returns table (tenant_kind text, slug text, name text, branding jsonb)
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
    with host as (
      select lower(p_host) as full_host,
             split_part(lower(p_host), '.', 1) as first_label,
             substr(lower(p_host), length(split_part(lower(p_host), '.', 1)) + 2) as rest
    ),
    found as (
      select t.*, 1 as rank from tenants t, host h where t.custom_domain = h.full_host
      union all
      select c.*, 2 from tenants c join tenants m on m.id = c.parent_id, host h
        where m.kind = 'mssp' and m.custom_domain = h.rest and c.slug = h.first_label
      union all
      select m.*, 3 from tenants m join tenants p on p.id = m.parent_id, host h
        where p.kind = 'platform' and m.kind = 'mssp' and h.rest = lower(p_platform_host)
          and m.slug = h.first_label
    )
    select f.kind, f.slug, f.name, coalesce(f.settings -> 'branding', '{}'::jsonb)
    from found f
    where f.archived_at is null
    order by f.rank
    limit 1
  $$;

alter function tf_auth_session(text) owner to tf_resolver;
alter function tf_auth_api_token(text) owner to tf_resolver;
alter function tf_auth_sign_in_candidate(text) owner to tf_resolver;
alter function tf_auth_invitation(text) owner to tf_resolver;
alter function tf_branding_for_host(text, text) owner to tf_resolver;
revoke all on function tf_auth_session(text) from public;
revoke all on function tf_auth_api_token(text) from public;
revoke all on function tf_auth_sign_in_candidate(text) from public;
revoke all on function tf_auth_invitation(text) from public;
revoke all on function tf_branding_for_host(text, text) from public;
grant execute on function tf_auth_session(text) to tf_app;
grant execute on function tf_auth_api_token(text) to tf_app;
grant execute on function tf_auth_sign_in_candidate(text) to tf_app;
grant execute on function tf_auth_invitation(text) to tf_app;
grant execute on function tf_branding_for_host(text, text) to tf_app;
