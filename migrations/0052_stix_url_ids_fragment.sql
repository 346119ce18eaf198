-- STIX ids of URLs whose RFC 3986 form differs from the stored value in two more ways (issue 7): a `#` after the
-- fragment's own (feeds glue hashtags onto URLs: `…%22,#phishing,#scam`) and a `%` that starts no escape. The
-- JavaScript writer (`rfc3986Url`, packages/exports) now encodes both, so the database must leave such URLs to it
-- (NULL), as it already does for characters outside RFC 3986. Same function as 0035 otherwise.
create or replace function tf_stix_observable_id(indicator_type text, indicator_value text)
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
    when indicator_type = 'url'
      and indicator_value !~ '[^A-Za-z0-9._~:/?#@!$&''()*+,;=%-]'
      and indicator_value !~ '#.*#'
      and indicator_value !~ '%(?![0-9A-Fa-f]{2})' then 'url--'
      || uuid_generate_v5('00abedb4-aa42-466c-9c01-fed23315a9b7', '{"value":' || to_json(indicator_value)::text || '}')
    when indicator_type in ('md5', 'sha1', 'sha256', 'sha512') then 'file--'
      || uuid_generate_v5('00abedb4-aa42-466c-9c01-fed23315a9b7', '{"hashes":{"'
        || case indicator_type when 'md5' then 'MD5' when 'sha1' then 'SHA-1' when 'sha256' then 'SHA-256' else 'SHA-512' end
        || '":' || to_json(indicator_value)::text || '}}')
  end
$$;
