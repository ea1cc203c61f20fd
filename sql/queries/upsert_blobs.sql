-- Blobs named by pushes, mounts and pulls ($1: event ids). Their events say only
-- application/octet-stream: the real media type comes from the manifests that reference them.
insert into regstat.blobs as b (digest, size, pushed, pulled, pull_count)
select
  e.digest,
  max(e.size),
  max(e.ts) filter (where e.action in ('push', 'mount')),
  max(e.ts) filter (where e.action = 'pull' and e.method = 'GET'),
  count(*) filter (where e.action = 'pull' and e.method = 'GET')
from regstat.events e
where e.id in (select jsonb_array_elements_text($1::jsonb)) and e.kind = 'blob'
group by e.digest
order by e.digest
on conflict (digest) do update set
  size = coalesce(excluded.size, b.size),
  pushed = greatest(b.pushed, excluded.pushed),
  pulled = greatest(b.pulled, excluded.pulled),
  pull_count = b.pull_count + excluded.pull_count
