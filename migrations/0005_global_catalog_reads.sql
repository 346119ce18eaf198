-- The global catalog (indicators, observations) is public OSINT and not tenant-scoped: the application may read
-- it in any transaction. 0003 required a tenant setting, but any row-level-security condition on a table keeps
-- PostgreSQL from using an index for predicates that are not LEAKPROOF (LIKE, array @>, trigram operators):
-- measured on 120k rows, a prefix search fell back to a 140 ms sequential scan and a tag filter to a 40 ms scan,
-- against 0.1 ms with the index. A policy of plain `true` adds no condition, so every index stays usable.
-- Tenant-scoped tables keep their tenant conditions (see docs/tenancy.md on writing predicates for them).

drop policy indicators_tenant_select on indicators;
drop policy observations_tenant_select on observations;
create policy indicators_app_select on indicators for select to tf_app using (true);
create policy observations_app_select on observations for select to tf_app using (true);
