-- A digest deleted from a repository ($1: the deletes of blobs and of digests regstat never saw) leaves a tombstone there, unless the repository
-- has newer evidence of it (the delete arrived late). A digest regstat never saw gets a tombstone in
-- both tables, so that its push, arriving after the delete, does not make it live.
insert into regstat.repository_blobs as r (registry, repository, digest, deleted)
select e.registry, e.repository, e.digest, max(e.ts)
from jsonb_to_recordset($1::jsonb) as e (ts timestamptz, registry text, repository text, digest text)
group by e.registry, e.repository, e.digest
order by e.registry, e.repository, e.digest
on conflict (registry, repository, digest) do update set deleted = greatest(r.deleted, excluded.deleted)
where coalesce(greatest(r.pushed, r.pulled), '-infinity') <= excluded.deleted
