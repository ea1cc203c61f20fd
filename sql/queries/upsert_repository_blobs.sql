-- Which repository holds each blob named by the events ($1: blob events). Evidence newer than a
-- deletion brings it back; an older event arriving late leaves the tombstone in place, and says so: the
-- blob may then be held nowhere any more, for the retire statements to move.
insert into regstat.repository_blobs as r (registry, repository, digest, pushed, pulled, pull_count)
select
  e.registry,
  e.repository,
  e.digest,
  max(e.ts) filter (where e.action in ('push', 'mount')),
  max(e.ts) filter (where e.action = 'pull' and e.method = 'GET' and e.uncounted is null),
  count(*) filter (where e.action = 'pull' and e.method = 'GET' and e.uncounted is null)
from jsonb_to_recordset($1::jsonb) as e (ts timestamptz, action text, registry text, repository text, digest text, method text, uncounted text)
group by e.registry, e.repository, e.digest
order by e.registry, e.repository, e.digest
on conflict (registry, repository, digest) do update set
  pushed = greatest(r.pushed, excluded.pushed),
  pulled = greatest(r.pulled, excluded.pulled),
  pull_count = r.pull_count + excluded.pull_count,
  deleted = case when excluded.pushed > r.deleted or excluded.pulled > r.deleted then null else r.deleted end
returning r.deleted is not null as still_deleted
