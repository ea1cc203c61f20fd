-- Blobs no live manifest references, in any repository: what the registry's garbage collector would
-- delete. A manifest is live where a repository holds it, and so are the children of a live index; the
-- count of live manifests naming each blob is kept in blob_refs (migration 11), so a page is a range of
-- its index of orphaned blobs. Blobs pushed within the grace period (a push still in flight) are left out.
-- $1 registry ('' = all), $2 repository prefix: only blobs some matching repository holds;
-- $3 grace in milliseconds, $4 the digest to start after, $5 page size.
select
  b.digest, b.media_type, b.size, b.pushed, b.pulled, r.repositories,
  jsonb_build_array(r.digest) as cursor_key
from regstat.blob_refs r
join regstat.blobs b on b.digest = r.digest
where r.stored and r.manifests = 0
  and r.digest collate "C" > $4::text
  and (b.pushed is null or b.pushed < now() - $3::bigint * interval '1 millisecond')
  and (
    ($1::text = '' and $2::text = '')
    or exists (
      select 1 from regstat.repository_blobs rb
      where rb.digest = b.digest and rb.deleted is null
        and rb.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
        and rb.repository collate "C" >= $2::text and rb.repository collate "C" < $2::text || chr(1114111)
    )
  )
order by r.digest collate "C"
limit $5
