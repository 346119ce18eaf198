-- STIX 2.1 deterministic SCO ids (section 2.9) computed by PostgreSQL for streamed exports: UUIDv5 in the
-- STIX namespace over the RFC 8785 JSON of the ID contributing properties, exactly what
-- packages/exports `stixObservable` derives in JavaScript. uuid-ossp's SHA-1 in C costs about a microsecond
-- per id against several in JavaScript, and a full export needs three per indicator (SCO, indicator,
-- relationship); the indicator and relationship ids depend on the producing brand, so none of them can be
-- stored once per catalog row. `to_json(text)` escapes exactly as RFC 8785 / JSON.stringify do (", \,
-- \b \f \n \r \t, other control characters as lower-case \u00xx, nothing else).
-- NULL where the JavaScript writer must derive the id itself: URLs that need RFC 3986 percent-encoding
-- first (including every URL holding `[` or `]`: RFC 3986 allows them only around an IPv6 host), ASNs (the number is parsed from free text), CVEs and unknown types. A test compares both sides.
create function tf_stix_observable_id(indicator_type text, indicator_value text)
returns text
language sql
stable
parallel safe
as $$
  select case
    when indicator_type = 'ipv4' then 'ipv4-addr--'
      || uuid_generate_v5('00abedb4-aa42-466c-9c01-fed23315a9b7', '{"value":' || to_json(indicator_value)::text || '}')
    when indicator_type in ('ipv6', 'cidr') then
      (case when strpos(indicator_value, ':') > 0 then 'ipv6-addr--' else 'ipv4-addr--' end)
      || uuid_generate_v5('00abedb4-aa42-466c-9c01-fed23315a9b7', '{"value":' || to_json(indicator_value)::text || '}')
    when indicator_type = 'domain' then 'domain-name--'
      || uuid_generate_v5('00abedb4-aa42-466c-9c01-fed23315a9b7', '{"value":' || to_json(indicator_value)::text || '}')
    when indicator_type = 'email' then 'email-addr--'
      || uuid_generate_v5('00abedb4-aa42-466c-9c01-fed23315a9b7', '{"value":' || to_json(indicator_value)::text || '}')
    when indicator_type = 'url' and indicator_value !~ '[^A-Za-z0-9._~:/?#@!$&''()*+,;=%-]' then 'url--'
      || uuid_generate_v5('00abedb4-aa42-466c-9c01-fed23315a9b7', '{"value":' || to_json(indicator_value)::text || '}')
    when indicator_type in ('md5', 'sha1', 'sha256', 'sha512') then 'file--'
      || uuid_generate_v5('00abedb4-aa42-466c-9c01-fed23315a9b7', '{"hashes":{"'
        || case indicator_type when 'md5' then 'MD5' when 'sha1' then 'SHA-1' when 'sha256' then 'SHA-256' else 'SHA-512' end
        || '":' || to_json(indicator_value)::text || '}}')
  end
$$;

grant execute on function tf_stix_observable_id(text, text) to tf_app;
