-- Images that would fail to pull: per repository, each live manifest (or, for an index, each of its
-- children) that references a blob the repository does not hold: deleted from it (a tombstone), or never
-- seen in it. `digest` is the manifest the repository holds, `manifest` the one naming the blob.
-- $1 registry ('' = all), $2 repository prefix, $3-$7 the key to start after, $8 page size.
select
  rm.registry, rm.repository, rm.digest, refs.manifest, mb.blob_digest as blob,
  case when rb.deleted is not null then 'deleted' else 'never_seen' end as reason,
  rb.deleted as blob_deleted,
  jsonb_build_array(rm.registry, rm.repository, rm.digest, refs.manifest, mb.blob_digest) as cursor_key
from regstat.repository_manifests rm
cross join lateral (
  select rm.digest as manifest
  union all
  select c.child_digest from regstat.manifest_children c where c.parent_digest = rm.digest
) refs
join regstat.manifest_blob mb on mb.manifest_digest = refs.manifest
left join regstat.repository_blobs rb
  on rb.registry = rm.registry and rb.repository = rm.repository and rb.digest = mb.blob_digest
where rm.deleted is null
  and (rb.digest is null or rb.deleted is not null)
  and rm.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
  and rm.repository collate "C" >= $2::text and rm.repository collate "C" < $2::text || chr(1114111)
  and (rm.registry collate "C", rm.repository collate "C", rm.digest collate "C") >= ($3::text, $4::text, $5::text)
  and (rm.registry collate "C", rm.repository collate "C", rm.digest collate "C", refs.manifest collate "C", mb.blob_digest collate "C")
    > ($3::text, $4::text, $5::text, $6::text, $7::text)
order by rm.registry collate "C", rm.repository collate "C", rm.digest collate "C", refs.manifest collate "C", mb.blob_digest collate "C"
limit $8
