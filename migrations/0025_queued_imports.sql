-- Queued manual imports (issue 5): the API stores an upload durably and answers 202; a queue message makes the
-- consumer parse it and apply it through the feed-chunk path (ledger, idempotent on redelivery).
-- The upload lives in R2 when the Worker has an IMPORTS bucket, else in import_upload_parts (1 MB pieces).
create table import_jobs (
  run_id text primary key references feed_runs (id) on delete cascade,
  tenant_id text not null references tenants (id) on delete cascade,
  feed_id text not null references feeds (id) on delete cascade,
  requested_format text not null,
  -- The format actually parsed (`auto` resolved; `text`: free-text extraction); null until parsing starts.
  parsed_format text,
  storage text not null check (storage in ('r2', 'postgres')),
  object_key text,
  bytes_total bigint not null default 0,
  -- Set when the whole upload is stored: only then is the job queued.
  uploaded_at timestamptz,
  bytes_parsed bigint not null default 0,
  lines_parsed integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table import_upload_parts (
  run_id text not null references import_jobs (run_id) on delete cascade,
  part integer not null,
  tenant_id text not null,
  data bytea not null,
  primary key (run_id, part)
);

do $$
declare
  target text;
begin
  foreach target in array array['import_jobs', 'import_upload_parts'] loop
    execute format('alter table %I enable row level security', target);
    execute format('alter table %I force row level security', target);
    execute format(
      'create policy %I on %I for select to tf_app using (tenant_id = any ((select tf_readable_tenants())::text[]))',
      target || '_tenant_select', target);
    execute format(
      'create policy %I on %I for insert to tf_app with check (tenant_id = (select tf_current_tenant()))',
      target || '_tenant_insert', target);
    execute format(
      'create policy %I on %I for update to tf_app using (tenant_id = (select tf_current_tenant())) '
      'with check (tenant_id = (select tf_current_tenant()))', target || '_tenant_update', target);
    -- The consumer (ingestion role) reads the upload, records progress and deletes the pieces when done.
    execute format('create policy %I on %I for all to tf_ingest using (true) with check (true)', target || '_ingest_all', target);
    execute format('grant select, insert, update on %I to tf_app', target);
    execute format('grant select, insert, update, delete on %I to tf_ingest', target);
  end loop;
end
$$;
