-- The trigram index of the search documents only on values where a substring means something (issue 5,
-- ingestion; docs/BENCHMARKS.md, "Ingestion pipeline", session 5).
--
-- Every new catalog row wrote one trigram entry per three characters of its value into
-- `indicator_search_value_trgm_idx` (an IPv4 ~14, a SHA-256 ~65), the largest single write cost of a search
-- document. IPs, CIDRs and hashes are searched by their exact value or a prefix (`203.0.113.`, `2001:db8:`,
-- the first characters of a hash); the search now reads those through the catalog's unique
-- (type, value) btree (`indicators_type_value_key`, byte-order collation: `like 'prefix%'` is a range scan),
-- so they need no trigram entries. Domains, URLs, e-mail addresses, CVEs and ASNs keep substring search.
-- The type list is `prefixSearchedTypes` in packages/search postgres.ts; a test keeps the two equal.
drop index if exists indicator_search_value_trgm_idx;
create index indicator_search_value_trgm_idx on indicator_search using gin (value gin_trgm_ops)
  where type not in ('ipv4', 'ipv6', 'cidr', 'md5', 'sha1', 'sha256', 'sha512');
