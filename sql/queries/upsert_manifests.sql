-- Manifests named by pushes and pulls ($1: manifest events). HEAD proves existence but is not a pull, nor is a
-- pull regstat does not count (uncounted: its own, or an ignored user agent's).
insert into regstat.manifests as m (digest, media_type, size, pushed, pulled, pull_count)
select
  e.digest,
  max(e.media_type),
  max(e.size),
  max(e.ts) filter (where e.action = 'push'),
  max(e.ts) filter (where e.action = 'pull' and e.method = 'GET' and e.uncounted is null),
  count(*) filter (where e.action = 'pull' and e.method = 'GET' and e.uncounted is null)
from jsonb_to_recordset($1::jsonb) as e (ts timestamptz, action text, digest text, media_type text, size bigint, method text, uncounted text)
group by e.digest
order by e.digest
on conflict (digest) do update set
  media_type = coalesce(excluded.media_type, m.media_type),
  size = coalesce(excluded.size, m.size),
  pushed = greatest(m.pushed, excluded.pushed),
  pulled = greatest(m.pulled, excluded.pulled),
  pull_count = m.pull_count + excluded.pull_count
