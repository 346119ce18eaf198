-- One index fewer per written catalog row (issue 4, bulk path; docs/BENCHMARKS.md, "Data model and bulk path").
--
-- `indicators_last_seen_idx` (last_seen desc, id desc) served one query only: the indicator list with no type
-- filter, as one ordered walk across all types. The list now reads that page as one branch per type, each an
-- ordered walk of `indicators_type_last_seen_idx` (type, last_seen desc, id desc) stopped after the page,
-- merged by a Merge Append (services active-indicators.ts), as it already did for several types. Measured with
-- `node packages/db/bench/index-cost.ts 1000000`: the index cost PostgreSQL 6-14 µs of CPU per new row.
--
-- The per-type walk covers every row only if every catalog type is one the list knows, so the check on `type`
-- now names the IOC engine's types (`indicatorTypes`, packages/ioc types.ts) instead of a pattern; a schema
-- test keeps the two lists equal. A new engine type needs a migration that widens this check.
alter table indicators drop constraint if exists indicators_type_check;
alter table indicators drop constraint if exists indicators_type_known;
alter table indicators add constraint indicators_type_known check (type in (
  'ipv4', 'ipv6', 'cidr', 'domain', 'url', 'email', 'md5', 'sha1', 'sha256', 'sha512', 'cve', 'asn'
));
drop index if exists indicators_last_seen_idx;
