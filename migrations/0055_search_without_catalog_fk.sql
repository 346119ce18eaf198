-- Search documents without a foreign key to the catalog (issue 5, ingestion at a million rows).
--
-- The key made every document insert check `indicators` and take a KEY SHARE lock on the catalog row: a
-- write to the indicator's heap page (its xmax) in the search stage's own transaction, after the bulk upsert
-- had already written that page, while the scoring stage updates the same rows. Measured on 100,000 new
-- indicators (bench:search-indexing): 5.5 s -> 4.3 s of backend CPU without it. The search stage only ever
-- writes documents of rows it reads from `indicators` in the same statement, so the key guarded one thing:
-- removal. Catalog rows are removed only by the owner (no application or ingestion role may delete them);
-- a statement-level trigger now removes their documents instead of the cascade. It runs as tf_resolver
-- (SECURITY DEFINER) with a delete-only policy, because `indicator_search` forces row-level security and no
-- policy names the owner: run as the deleting owner, the delete would see no rows and leave documents behind.

alter table indicator_search drop constraint indicator_search_indicator_id_fkey;

create policy indicator_search_resolver_delete on indicator_search for delete to tf_resolver using (true);
-- A DELETE with a condition needs SELECT as well.
create policy indicator_search_resolver_select on indicator_search for select to tf_resolver using (true);
grant select, delete on indicator_search to tf_resolver;

create function tf_forget_search_documents() returns trigger
  language plpgsql security definer
  set search_path = public
as $$
begin
  if tg_op = 'TRUNCATE' then
    delete from indicator_search;
  else
    delete from indicator_search s using removed r where s.indicator_id = r.id;
  end if;
  return null;
end
$$;
alter function tf_forget_search_documents() owner to tf_resolver;
revoke execute on function tf_forget_search_documents() from public;

create trigger indicators_forget_search_documents after delete on indicators
  referencing old table as removed for each statement execute function tf_forget_search_documents();
create trigger indicators_forget_search_documents_on_truncate after truncate on indicators
  for each statement execute function tf_forget_search_documents();
