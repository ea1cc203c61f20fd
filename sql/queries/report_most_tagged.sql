-- Manifests by how many live tags point at them, most first, then by digest.
-- $1 registry ('' = all), $2 repository prefix: only tags there count; $3-$4 the key to start after
-- (tags, digest), $5 page size. Over the whole registry a page is a range of the tag counts kept in
-- manifest_refs (migration 11); with a filter, the matching tags are counted.
with per_repository as (
  select t.manifest_digest as digest, count(*) as tags
  from regstat.tags t
  where t.manifest_digest is not null
    and t.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
    and t.repository collate "C" >= $2::text and t.repository collate "C" < $2::text || chr(1114111)
  group by t.manifest_digest, t.registry collate "C", t.repository collate "C"
),
counts as (
  select digest, sum(tags) as tags, count(*) as repositories from per_repository group by digest
),
page as (
  (
    select r.digest, r.tags::bigint as tags, null::bigint as repositories
    from regstat.manifest_refs r
    where $1::text = '' and $2::text = '' and r.tags > 0
      and (r.tags < $3::bigint or (r.tags = $3::bigint and r.digest collate "C" > $4::text))
    order by r.tags desc, r.digest collate "C"
    limit $5
  )
  union all
  (
    select c.digest, c.tags, c.repositories from counts c
    where not ($1::text = '' and $2::text = '')
      and (c.tags < $3::bigint or (c.tags = $3::bigint and c.digest collate "C" > $4::text))
    order by c.tags desc, c.digest collate "C"
    limit $5
  )
)
select
  p.digest, m.media_type,
  -- the image size migration 11 keeps for every tagged digest, rather than walking the image again
  case when r.digest is not null then r.image_bytes else regstat.image_size(p.digest) end as size,
  p.tags,
  coalesce(p.repositories, (
    select count(*) from (select distinct t.registry, t.repository from regstat.tags t where t.manifest_digest = p.digest) x
  )) as repositories,
  (
    select min(t.registry || '/' || t.repository || ':' || t.tag collate "C") from regstat.tags t
    where t.manifest_digest = p.digest
      and t.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
      and t.repository collate "C" >= $2::text and t.repository collate "C" < $2::text || chr(1114111)
  ) as first_tag,
  jsonb_build_array(p.tags, p.digest) as cursor_key
from page p
left join regstat.manifests m on m.digest = p.digest
left join regstat.manifest_refs r on r.digest = p.digest and r.tags > 0
order by p.tags desc, p.digest collate "C"
