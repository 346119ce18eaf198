-- MSSP staff switch a session into one of their clients (issue 8): the acting tenant is kept server-side on
-- the session row, so later requests take it from the authenticated session, never from input. The reach is
-- checked again on every request (a client moved away or archived stops being reachable at once).
alter table sessions add column acting_tenant_id text references tenants (id) on delete set null;

-- The session lookup returns the acting tenant too. Its result type changes, so drop and recreate it with
-- the same owner and grants as in 0010.
drop function tf_auth_session(text);
create function tf_auth_session(p_session_id text)
  returns table (
    session_id text, tenant_id text, user_id text, token_hash text, created_at timestamptz,
    last_seen_at timestamptz, expires_at timestamptz, revoked_at timestamptz, mfa_verified_at timestamptz,
    role text, tenant_kind text, tenant_parent_id text, tenant_archived_at timestamptz,
    tenant_suspended_at timestamptz, tenant_requires_mfa boolean, user_disabled_at timestamptz,
    user_has_totp boolean, acting_tenant_id text
  )
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
    select s.id, s.tenant_id, s.user_id, s.token_hash, s.created_at, s.last_seen_at, s.expires_at,
           s.revoked_at, s.mfa_verified_at, m.role, t.kind, t.parent_id, t.archived_at, t.suspended_at,
           coalesce((t.settings ->> 'requireMfa')::boolean, false),
           u.disabled_at, c.totp_enabled_at is not null, s.acting_tenant_id
    from sessions s
    join tenants t on t.id = s.tenant_id
    join users u on u.id = s.user_id
    left join memberships m on m.tenant_id = s.tenant_id and m.user_id = s.user_id
    left join user_credentials c on c.user_id = s.user_id
    where s.id = p_session_id
  $$;
alter function tf_auth_session(text) owner to tf_resolver;
revoke all on function tf_auth_session(text) from public;
grant execute on function tf_auth_session(text) to tf_app;
