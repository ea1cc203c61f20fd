-- Per repository holding a live manifest: its tags, live manifests, deduplicated bytes (each manifest,
-- child manifest and blob its live manifests reference counted once) and how many of them no other
-- repository's live manifests reference (kept live in repository_storage, migration 11), last push, last
-- pull, and the GET pulls of the manifests it holds. Repositories are walked one index probe each (a loose index
-- scan), so a page costs the same at any depth.
-- $1 registry ('' = all), $2 repository prefix, $3-$4 the key to start after, $5 page size.
with recursive repos as (
  (
    select rm.registry, rm.repository
    from regstat.repository_manifests rm
    where rm.deleted is null
      and rm.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
      and rm.repository collate "C" >= $2::text and rm.repository collate "C" < $2::text || chr(1114111)
      and (rm.registry collate "C", rm.repository collate "C") > ($3::text, $4::text)
    order by rm.registry collate "C", rm.repository collate "C"
    limit 1
  )
  union all
  select next.registry, next.repository
  from repos r
  cross join lateral (
    select rm.registry, rm.repository
    from regstat.repository_manifests rm
    where rm.deleted is null
      and rm.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
      and rm.repository collate "C" >= $2::text and rm.repository collate "C" < $2::text || chr(1114111)
      and (rm.registry collate "C", rm.repository collate "C") > (r.registry, r.repository)
    order by rm.registry collate "C", rm.repository collate "C"
    limit 1
  ) next
),
page as (
  select * from repos limit $5
)
select
  p.registry, p.repository,
  (select count(*) from regstat.tags t where t.registry = p.registry and t.repository = p.repository) as tags,
  held.manifests,
  coalesce(s.bytes, 0) as bytes,
  coalesce(s.exclusive_bytes, 0) as exclusive_bytes,
  coalesce(s.bytes - s.exclusive_bytes, 0) as shared_bytes,
  held.last_push, held.last_pull, held.pulls,
  jsonb_build_array(p.registry, p.repository) as cursor_key
from page p
cross join lateral (
  select count(*) as manifests, max(rm.pushed) as last_push, max(rm.pulled) as last_pull,
         coalesce(sum(rm.pull_count), 0) as pulls
  from regstat.repository_manifests rm
  where rm.registry = p.registry and rm.repository = p.repository and rm.deleted is null
) held
left join regstat.repository_storage s on s.registry = p.registry collate "C" and s.repository = p.repository collate "C"
order by p.registry collate "C", p.repository collate "C"
