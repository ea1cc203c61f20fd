-- Which repository holds each manifest named by the events ($1: event ids). Evidence newer than a
-- deletion brings it back; an older event arriving late leaves the tombstone in place.
insert into regstat.repository_manifests as r (registry, repository, digest, pushed, pulled, pull_count)
select
  e.registry,
  e.repository,
  e.digest,
  max(e.ts) filter (where e.action = 'push'),
  max(e.ts) filter (where e.action = 'pull' and e.method = 'GET'),
  count(*) filter (where e.action = 'pull' and e.method = 'GET')
from regstat.events e
where e.id in (select jsonb_array_elements_text($1::jsonb)) and e.kind = 'manifest'
group by e.registry, e.repository, e.digest
order by e.registry, e.repository, e.digest
on conflict (registry, repository, digest) do update set
  pushed = greatest(r.pushed, excluded.pushed),
  pulled = greatest(r.pulled, excluded.pulled),
  pull_count = r.pull_count + excluded.pull_count,
  deleted = case when excluded.pushed > r.deleted or excluded.pulled > r.deleted then null else r.deleted end
