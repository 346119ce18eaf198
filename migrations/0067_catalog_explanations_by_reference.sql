-- One way to store a catalog row's score explanation (follows 0066).
--
-- 0066 stored the explanations written at ingestion once per distinct text in `score_explanations` and kept
-- `indicators.score_explanation` for the ones the scoring stage wrote when it re-scored a row, so readers had to
-- coalesce two places. The re-score now writes through the same set (packages/db bulk.ts `ExplanationSet`):
-- a re-scored row changes a 16-byte reference instead of rewriting a ~430-byte document, and a day's re-score
-- mostly re-uses explanations already stored. This moves the explanations already in rows into the set (their
-- id: the first 16 bytes of the SHA-256 of the stored document's text, as for new ones) and drops the column.
--
-- Both tables force row-level security and no policy names their owner, who runs this file: the owner lifts the
-- forcing for this transaction's own statements and restores it before commit. On a large catalog the update
-- rewrites every scored row once (about a minute per million rows here): apply it in a quiet window.

alter table indicators no force row level security;
alter table score_explanations no force row level security;

insert into score_explanations (id, explanation)
select distinct on (h.id) h.id, h.explanation
from (
  select encode(substr(sha256(convert_to(i.score_explanation::text, 'UTF8')), 1, 16), 'hex')::uuid as id,
         i.score_explanation as explanation
  from indicators i
  where i.score_explanation is not null
) h
where not exists (select 1 from score_explanations e where e.id = h.id);

update indicators i
set score_explanation_id = encode(substr(sha256(convert_to(i.score_explanation::text, 'UTF8')), 1, 16), 'hex')::uuid
where i.score_explanation is not null;

alter table indicators drop column score_explanation;

alter table indicators force row level security;
alter table score_explanations force row level security;
