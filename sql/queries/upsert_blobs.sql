-- Blobs named by pushes, mounts and pulls ($1: blob events). Their events say only
-- application/octet-stream: the real media type comes from the manifests that reference them.
insert into regstat.blobs as b (digest, size, pushed, pulled, pull_count)
select
  e.digest,
  max(e.size),
  max(e.ts) filter (where e.action in ('push', 'mount')),
  max(e.ts) filter (where e.action = 'pull' and e.method = 'GET' and e.uncounted is null),
  count(*) filter (where e.action = 'pull' and e.method = 'GET' and e.uncounted is null)
from jsonb_to_recordset($1::jsonb) as e (ts timestamptz, action text, digest text, size bigint, method text, uncounted text)
group by e.digest
order by e.digest
on conflict (digest) do update set
  size = coalesce(excluded.size, b.size),
  pushed = greatest(b.pushed, excluded.pushed),
  pulled = greatest(b.pulled, excluded.pulled),
  pull_count = b.pull_count + excluded.pull_count
