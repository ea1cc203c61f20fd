-- Live tags last pushed before now minus $3 days, oldest push first. A tag regstat has only seen
-- pulled has no push time and is left out.
-- $1 registry ('' = all), $2 repository prefix, $3 days, $4-$7 the key to start after, $8 page size.
with page as (
  select t.registry, t.repository, t.tag, t.manifest_digest, t.pushed, t.pulled, t.pull_count
  from regstat.tags t
  where t.pushed < now() - make_interval(days => $3::int)
    and t.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
    and t.repository collate "C" >= $2::text and t.repository collate "C" < $2::text || chr(1114111)
    and (t.pushed, t.registry collate "C", t.repository collate "C", t.tag collate "C")
      > ($4::text::timestamptz, $5::text, $6::text, $7::text)
  order by t.pushed, t.registry collate "C", t.repository collate "C", t.tag collate "C"
  limit $8
)
select
  p.registry, p.repository, p.tag, p.manifest_digest as digest, m.media_type,
  -- the image size migration 11 keeps for every tagged digest, rather than walking the image again
  case when r.digest is not null then r.image_bytes else regstat.image_size(p.manifest_digest) end as size,
  p.pushed, p.pulled, p.pull_count,
  jsonb_build_array(p.pushed, p.registry, p.repository, p.tag) as cursor_key
from page p
left join regstat.manifests m on m.digest = p.manifest_digest
left join regstat.manifest_refs r on r.digest = p.manifest_digest and r.tags > 0
order by p.pushed, p.registry collate "C", p.repository collate "C", p.tag collate "C"
