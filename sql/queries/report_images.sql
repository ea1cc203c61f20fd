-- The images: every live tag, ordered by (registry, repository, tag) in byte order, one page after a key.
-- $1 registry ('' = all), $2 repository prefix, $3-$5 the key to start after, $6 page size.
-- size: regstat.image_size, the image's bytes with each blob once (migration 6), as migration 11 keeps it for
-- every tagged digest (manifest_refs.image_bytes) instead of walking each image's blobs again.
with page as (
  select t.registry, t.repository, t.tag, t.manifest_digest, t.pushed, t.pulled, t.pull_count
  from regstat.tags t
  where t.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
    and t.repository collate "C" >= $2::text and t.repository collate "C" < $2::text || chr(1114111)
    and (t.registry collate "C", t.repository collate "C", t.tag collate "C") > ($3::text, $4::text, $5::text)
  order by t.registry collate "C", t.repository collate "C", t.tag collate "C"
  limit $6
)
select
  p.registry, p.repository, p.tag, p.manifest_digest as digest, m.media_type,
  case when r.digest is not null then r.image_bytes else regstat.image_size(p.manifest_digest) end as size,
  p.pushed, p.pulled, p.pull_count,
  jsonb_build_array(p.registry, p.repository, p.tag) as cursor_key
from page p
left join regstat.manifests m on m.digest = p.manifest_digest
left join regstat.manifest_refs r on r.digest = p.manifest_digest and r.tags > 0
order by p.registry collate "C", p.repository collate "C", p.tag collate "C"
