-- Images that would fail to pull, live (migration 11, missing_blobs): per repository, each live manifest (or,
-- for an index, each of its children) naming a blob the repository does not hold. Whether the repository
-- deleted it or never had it is read from its repository_blobs row. A page is a range of the primary key.
-- $1 registry ('' = all), $2 repository prefix, $3-$7 the key to start after, $8 page size.
select
  m.registry, m.repository, m.digest, m.manifest, m.blob,
  case when rb.deleted is not null then 'deleted' else 'never_seen' end as reason,
  rb.deleted as blob_deleted,
  jsonb_build_array(m.registry, m.repository, m.digest, m.manifest, m.blob) as cursor_key
from regstat.missing_blobs m
left join regstat.repository_blobs rb
  on rb.registry = m.registry collate "default" and rb.repository = m.repository collate "default"
  and rb.digest = m.blob collate "default"
where m.registry between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
  and m.repository >= $2::text and m.repository < $2::text || chr(1114111)
  and (m.registry, m.repository, m.digest, m.manifest, m.blob) > ($3::text, $4::text, $5::text, $6::text, $7::text)
order by m.registry, m.repository, m.digest, m.manifest, m.blob
limit $8
