-- Observations without a foreign key to `indicators` (issue 5, ingestion at a million rows).
--
-- The key ran `SELECT 1 FROM indicators WHERE id = $1 FOR KEY SHARE` for every observation written: a btree
-- probe of the catalog's primary key and a row lock, i.e. a write of the catalog row's heap page (its xmax)
-- right after the bulk upsert wrote that page, once per indicator of every feed. `pg_stat_statements` in
-- `bench:ingest 200000` listed 200,305 of them (1.5 s), and the key costs the statement 16 µs of PostgreSQL CPU
-- per observation (30.7 µs without, 46.7 with; packages/search/bench/write-path.ts on 100,000 new rows: see
-- docs/BENCHMARKS.md, "Ingestion pipeline", session 4). The bulk path is the only writer and takes each
-- `indicator_id` from a join on `indicators` in the same statement that inserts the observation, so the key
-- repeated what the statement proves; its other duty, removing a deleted catalog row's observations, moves to a statement trigger, as 0055
-- did for search documents and 0056 for the key to `sources`: it runs as tf_resolver (SECURITY DEFINER with the
-- delete-only policy 0056 created), because `observations` forces row-level security and no policy names the
-- owner. Catalog rows are deleted only by the owner (no application or ingestion role may).

alter table observations drop constraint observations_indicator_id_fkey;

create function tf_forget_indicator_observations() returns trigger
  language plpgsql security definer
  set search_path = public
as $$
begin
  if tg_op = 'TRUNCATE' then
    delete from observations;
  else
    delete from observations o using removed r where o.indicator_id = r.id;
  end if;
  return null;
end
$$;
alter function tf_forget_indicator_observations() owner to tf_resolver;
revoke execute on function tf_forget_indicator_observations() from public;

create trigger indicators_forget_observations after delete on indicators
  referencing old table as removed for each statement execute function tf_forget_indicator_observations();
create trigger indicators_forget_observations_on_truncate after truncate on indicators
  for each statement execute function tf_forget_indicator_observations();
