-- The deletion audit, newest first: every delete the registry reported at or after $3, whatever regstat
-- knew of its target. kind is manifest, blob, tag, or unknown (a digest regstat never saw).
-- $1 registry ('' = all), $2 repository prefix, $3 since, $4-$5 the key to start after, $6 page size.
select
  d.deleted, d.kind, d.registry, d.repository, d.digest, d.tag, d.event_id,
  jsonb_build_array(d.deleted, d.event_id) as cursor_key
from regstat.deletions d
where d.deleted >= $3::text::timestamptz
  and d.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
  and d.repository collate "C" >= $2::text and d.repository collate "C" < $2::text || chr(1114111)
  and (d.deleted, d.event_id) < ($4::text::timestamptz, $5::text)
order by d.deleted desc, d.event_id desc
limit $6
