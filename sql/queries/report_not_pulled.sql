-- Live tags not pulled (GET) since now minus $3 days and $4 months; a never-pulled tag counts from its
-- push. Longest idle first. `idle_since` is the last pull, or the push when there was none.
-- $1 registry ('' = all), $2 repository prefix, $3 days, $4 months, $5-$8 the key to start after, $9 page size.
with page as (
  select t.registry, t.repository, t.tag, t.manifest_digest, t.pushed, t.pulled, t.pull_count,
         coalesce(t.pulled, t.pushed) as idle_since
  from regstat.tags t
  where coalesce(t.pulled, t.pushed) < now() - make_interval(days => $3::int, months => $4::int)
    and t.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
    and t.repository collate "C" >= $2::text and t.repository collate "C" < $2::text || chr(1114111)
    and (coalesce(t.pulled, t.pushed), t.registry collate "C", t.repository collate "C", t.tag collate "C")
      > ($5::text::timestamptz, $6::text, $7::text, $8::text)
  order by coalesce(t.pulled, t.pushed), t.registry collate "C", t.repository collate "C", t.tag collate "C"
  limit $9
)
select
  p.registry, p.repository, p.tag, p.manifest_digest as digest, m.media_type,
  -- the image size migration 11 keeps for every tagged digest, rather than walking the image again
  case when r.digest is not null then r.image_bytes else regstat.image_size(p.manifest_digest) end as size,
  p.pushed, p.pulled, p.pull_count, p.idle_since,
  jsonb_build_array(p.idle_since, p.registry, p.repository, p.tag) as cursor_key
from page p
left join regstat.manifests m on m.digest = p.manifest_digest
left join regstat.manifest_refs r on r.digest = p.manifest_digest and r.tags > 0
order by p.idle_since, p.registry collate "C", p.repository collate "C", p.tag collate "C"
