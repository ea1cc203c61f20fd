-- The repositories holding the most bytes (deduplicated within each, kept live in repository_storage,
-- migration 11), largest first, a range of repository_storage_bytes_idx (migration 13).
-- $1 registry ('' = all), $2 repository prefix, $3-$5 the key to start after (bytes, registry, repository), $6 page size.
select
  s.registry, s.repository, s.bytes, s.exclusive_bytes, s.bytes - s.exclusive_bytes as shared_bytes,
  jsonb_build_array(s.bytes, s.registry, s.repository) as cursor_key
from regstat.repository_storage s
where s.registry between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
  and s.repository >= $2::text and s.repository < $2::text || chr(1114111)
  and s.bytes > 0
  and (s.bytes < $3::bigint or (s.bytes = $3::bigint and (s.registry, s.repository) > ($4::text, $5::text)))
order by s.bytes desc, s.registry, s.repository
limit $6
