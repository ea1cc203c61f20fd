-- The deletion audit ($1: deletes, classified): every delete, whatever regstat knew of its target.
insert into regstat.deletions (event_id, deleted, kind, registry, repository, digest, tag)
select e.id, e.ts, e.kind, e.registry, e.repository, e.digest, e.tag
from jsonb_to_recordset($1::jsonb) as e (
  id text, ts timestamptz, kind text, registry text, repository text, digest text, tag text
)
order by e.id
on conflict (event_id) do nothing
