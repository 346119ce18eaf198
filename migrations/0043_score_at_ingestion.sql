-- Ingestion now writes the global score of a NEW catalog row in the upsert itself (scored_at set there), so
-- no row waits unscored for the scheduler any more, and the partial index that found such rows (paid on
-- every inserted row: ~2-3 µs of PostgreSQL CPU each) goes. Rows a caller inserts without a score are queued
-- in score_requests by the bulk path instead; rows still unscored from before are queued here.
insert into score_requests (indicator_id)
select id from indicators where scored_at is null
on conflict do nothing;

drop index if exists indicators_unscored_idx;
