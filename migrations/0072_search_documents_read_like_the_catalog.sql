-- The search documents are read like the catalog they describe (issue 5; the rule of 0005).
--
-- `indicator_search` holds only global catalog data (value, catalog tags, malware families, threat types and
-- names of global sources: private feeds write `private_indicators`, never the catalog), which tf_app reads
-- with a policy of plain `true` since 0005. Its own policy still required a tenant setting
-- (`(select tf_current_tenant()) is not null`), and any row-level-security condition keeps PostgreSQL from
-- using an index for a predicate that is not LEAKPROOF: `@@` and `ilike` are not, so every search (and the
-- related-indicators subdomain match) read the whole table sequentially, and both GIN indexes, written for
-- every ingested row, served no query (EXPLAIN as tf_app: packages/search/bench/search-plans.ts).
-- Tenant rows stay behind their own conditions: search reads private indicators and overlays with explicit
-- tenant predicates and their tenant policies, and every hit is read back through the tenant's view.
drop policy indicator_search_tenant_select on indicator_search;
create policy indicator_search_app_select on indicator_search for select to tf_app using (true);
