-- A lookup by (type, canonical value) whose plan PostgreSQL keeps (issue 7): the statement of
-- `activeIndicatorsStatement` for one key (services indicators/active-indicators.ts, `keyLookupFunctionBody`,
-- which a test keeps equal to this body) as a PL/pgSQL function. PL/pgSQL caches the plan of its static
-- statement per backend, so a lookup no longer parses, rewrites (row-level security) and plans the 2.8 KB
-- union on every call (~4 of ~5 ms of PostgreSQL CPU per lookup); Neon's HTTP endpoint has no prepared
-- statements, but its backends, like the dev bridge's, live across requests.
-- SECURITY INVOKER (the default): it runs as the caller, so the policies apply, and they read
-- `app.tenant_id` when the plan executes, never when it was cached. The tenant argument is the acting
-- tenant, as in every branch of the query; row-level security is the floor under it.
create function tf_find_indicator_by_key(p_tenant_id text, p_type text, p_value text)
  returns setof json
  language plpgsql stable security invoker
  as $function$
begin
  return query
    select to_json(r) from (select u.*, src.source_names, src.malware_family, src.threat_type, src.reference
        from (select * from ((select i.id, 'catalog' as origin, i.type, i.value::text as value, i.first_seen, i.last_seen,
          i.created_at, i.updated_at as version_at, greatest(i.updated_at, ti.updated_at) as modified_at,
          i.confidence, coalesce(ti.effective_score, i.base_score)::int as score, i.base_score::int as global_score, i.tlp,
          case when coalesce(cardinality(ti.tags), 0) = 0 and cardinality(i.tags) < 2 then i.tags
          else array(select distinct t from unnest((i.tags || coalesce(ti.tags, '{}'))) as t order by t) end as tags, coalesce(ti.status, case when i.suppressed then 'allowlisted' when i.score_expired then 'expired' else 'new' end) as status,
          ti.notes, coalesce(ti.sightings_count, 0) as sightings_count, ti.last_sighted_at,
          null::text as description, null::jsonb as context, null::text as owner_name,
          to_char(i.last_seen at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at
        from indicators i
        left join tenant_indicators ti on ti.tenant_id = p_tenant_id and ti.indicator_id = i.id
        where (i.type, i.value) in (select k.type, k.value collate "C" from unnest(array[p_type]::text[], array[p_value]::text[]) as k(type, value))
        order by i.last_seen desc, i.id desc
        limit 4) union all (select p.id, case when p.tenant_id = p_tenant_id then 'private' else 'shared' end as origin,
          p.type, p.value::text as value, p.first_seen, p.last_seen, p.created_at, p.updated_at as version_at,
          p.updated_at as modified_at, p.confidence, p.score::int as score, p.score::int as global_score, p.tlp,
          p.tags, p.status, case when p.tenant_id = p_tenant_id then p.notes end as notes,
          (select coalesce(sum(s.sighting_count), 0)::int from sightings s
            where s.tenant_id = p_tenant_id and s.private_indicator_id = p.id) as sightings_count,
          (select max(s.seen_at) from sightings s
            where s.tenant_id = p_tenant_id and s.private_indicator_id = p.id) as last_sighted_at,
          p.description, p.context, owner.name as owner_name,
          to_char(p.last_seen at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at
        from private_indicators p
        left join tenants owner on owner.id = p.tenant_id
        where (p.tenant_id = p_tenant_id or p.tenant_id = (select tf_parent_tenant())) and (p.type, p.value) in (select k.type, k.value collate "C" from unnest(array[p_type]::text[], array[p_value]::text[]) as k(type, value))
        order by p.last_seen desc, p.id desc
        limit 4)) as b order by b.last_seen desc, b.id desc limit 4) as u
        left join lateral (
          select array_agg(distinct s.name order by s.name) as source_names,
                 max(ob.malware_family) as malware_family, max(ob.threat_type) as threat_type,
                 max(ob.reference) as reference
          from observations ob join sources s on s.id = ob.source_id
          where ob.indicator_id = u.id
        ) as src on u.origin = 'catalog'
        order by u.last_seen desc, u.id desc) as r;
end
$function$;
revoke all on function tf_find_indicator_by_key(text, text, text) from public;
grant execute on function tf_find_indicator_by_key(text, text, text) to tf_app;
