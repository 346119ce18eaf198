-- Cheaper writes into the catalog (issue 4, bulk path). Every new catalog row is one entry in each index of
-- `indicators`, and PostgreSQL's CPU per row, not the driver, caps the bulk upsert (docs/BENCHMARKS.md, "Data
-- model and bulk path"; `node packages/db/bench/index-cost.ts` measures each item below on its own).

-- 1. Byte-order collation for the catalog's key columns. The database default (C.UTF-8 from libc here, often
--    en_US.UTF-8 elsewhere) compares text through strcoll on every btree comparison; "C" compares bytes. Ids
--    and type names are ASCII, where "C" and C.UTF-8 order alike, so no sort order a reader sees changes
--    (`value` has been "C" since 0003). Measured: 15-25% less PostgreSQL CPU per inserted row.
--    Every column that holds a catalog id goes with it, so joins on `i.id` compare in one collation and keep
--    using the indexes on both sides (an index only serves comparisons in its own collation; where a
--    default-collation expression meets a "C" column, PostgreSQL compares in "C").
alter table indicators
  alter column id type text collate "C",
  alter column type type text collate "C";
alter table observations alter column indicator_id type text collate "C";
alter table tenant_indicators alter column indicator_id type text collate "C";
alter table sightings alter column indicator_id type text collate "C";
alter table score_requests alter column indicator_id type text collate "C";
alter table indicator_search alter column indicator_id type text collate "C";

-- 2. The GIN index on the catalog's tags served no query: the API's tag filter matches the catalog tags united
--    with the tenant's overlay tags (`(i.tags || ti.tags) @> …`, services active-indicators.ts), which no index
--    on `indicators.tags` can answer, and search matches tags through its own documents. It was written on
--    every new row (an entry even for an empty array).
drop index if exists indicators_tags_idx;
