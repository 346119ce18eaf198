-- Score explanations of new catalog rows stored once per distinct explanation (issue 5, ingestion at a million
-- rows).
--
-- Ingestion scores every new catalog row before the upsert and wrote its explanation as a jsonb of ~430 bytes
-- into the row: three quarters of the row's width, parsed as `jsonb[]` from a quoted array literal for every
-- row, although a feed's rows share a handful of explanations (same source, type, dates and context: the
-- consumer already builds each distinct one once). Measured on 100,000 new rows
-- (packages/search/bench/write-path.ts): the upsert's PostgreSQL CPU per row fell from 58 to 42 µs with a
-- reference instead of the document (docs/BENCHMARKS.md, "Ingestion pipeline", session 4).
--
-- The bulk path now stores each distinct explanation of a batch here (id: the first 16 bytes of the SHA-256
-- of its JSON text, as a uuid) and writes only that id into the row. `score_explanation` stays: the scoring
-- stage writes a row's explanation there when it re-scores it, and a stored explanation there wins; readers
-- take `coalesce(i.score_explanation, <the referenced explanation>)`, so what the API shows is unchanged.
--
-- No unique key on `id`, on purpose: two ingestion transactions that meet a new explanation at the same time
-- would otherwise wait for each other (a speculative insertion blocks until the other transaction ends), which
-- serializes the consumer's parallel groups and can deadlock them. The bulk path skips ids already stored, so a
-- duplicate (identical content: the id is a hash of it) only arises from such a race; readers take one.
-- Rows here are never deleted by the application: they are tiny, and a catalog row may reference one long
-- after the batch that wrote it.

create table score_explanations (
  id uuid not null,
  explanation jsonb not null,
  created_at timestamptz not null default now()
);
create index score_explanations_id_idx on score_explanations (id);

alter table score_explanations enable row level security;
alter table score_explanations force row level security;
-- Global catalog data, like `indicators` (0005): readable in any application transaction, written by ingestion.
create policy score_explanations_app_select on score_explanations for select to tf_app using (true);
create policy score_explanations_ingest_select on score_explanations for select to tf_ingest using (true);
create policy score_explanations_ingest_insert on score_explanations for insert to tf_ingest with check (true);
grant select on score_explanations to tf_app;
grant select, insert on score_explanations to tf_ingest;

alter table indicators add column score_explanation_id uuid;
