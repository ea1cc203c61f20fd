-- Tags as the registry lists them ($1: [{registry, repository, tag, manifest_digest}], $2: when it was
-- asked). Adds missed tags and repoints moved ones, unless an event newer than $2 already said otherwise;
-- either is then seen at $2.
-- Returns each tag written, and whether it was new.
with input as (
  select i.registry || '/' || i.repository || ':' || i.tag as name, i.*
  from jsonb_to_recordset($1::jsonb) as i (registry text, repository text, tag text, manifest_digest text)
)
insert into regstat.tags as t (name, registry, repository, tag, manifest_digest, seen)
select i.name, i.registry, i.repository, i.tag, i.manifest_digest, $2::timestamptz
from input i
where not exists (select 1 from regstat.tag_tombstones d where d.name = i.name and d.deleted > $2::timestamptz)
order by i.name
on conflict (name) do update set manifest_digest = excluded.manifest_digest, seen = excluded.seen
where t.manifest_digest is distinct from excluded.manifest_digest
  and coalesce(t.seen, '-infinity') <= $2::timestamptz
returning t.name, (xmax = 0) as inserted
