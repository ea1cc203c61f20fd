-- Images that would fail to pull, from the snapshot computed in the background (migration 5,
-- missing_blobs_snapshot): per repository, each live manifest (or, for an index, each of its children)
-- naming a blob the repository does not hold. A page is a range of the snapshot's unique index.
-- $1 registry ('' = all), $2 repository prefix, $3-$7 the key to start after, $8 page size.
select
  m.registry, m.repository, m.digest, m.manifest, m.blob, m.reason, m.blob_deleted,
  jsonb_build_array(m.registry, m.repository, m.digest, m.manifest, m.blob) as cursor_key
from regstat.missing_blobs_snapshot m
where m.registry between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
  and m.repository >= $2::text and m.repository < $2::text || chr(1114111)
  and (m.registry, m.repository, m.digest, m.manifest, m.blob) > ($3::text, $4::text, $5::text, $6::text, $7::text)
order by m.registry, m.repository, m.digest, m.manifest, m.blob
limit $8
