-- Where the bytes are. deduplicated_bytes: every blob and manifest the registry holds, each once.
-- summed_bytes: the sum of each live tag's image size (the images report's size), as if every image were
-- stored alone. orphaned_bytes: blobs no live manifest references, pushed before the grace period ($1, in
-- milliseconds). untagged_bytes: live manifests no tag reaches (directly or as a child of a tagged
-- index), with the blobs only they reference.
with live as materialized (
  select distinct rm.digest from regstat.repository_manifests rm where rm.deleted is null
),
in_use as materialized (
  select digest from live
  union
  select c.child_digest from regstat.manifest_children c join live l on l.digest = c.parent_digest
),
tag_counts as materialized (
  select t.manifest_digest as digest, count(*) as tags
  from regstat.tags t where t.manifest_digest is not null
  group by t.manifest_digest
),
tagged as materialized (
  select digest from tag_counts
  union
  select c.child_digest from regstat.manifest_children c join tag_counts t on t.digest = c.parent_digest
),
blob_use as materialized (
  select mb.blob_digest, bool_or(t.digest is not null) as tagged
  from regstat.manifest_blob mb
  join in_use u on u.digest = mb.manifest_digest
  left join tagged t on t.digest = mb.manifest_digest
  group by mb.blob_digest
),
-- an image's blobs, each once: a plain image's links are distinct already; an index's platforms share layers
manifest_blob_bytes as (
  select mb.manifest_digest as digest, sum(b.size) as bytes
  from regstat.manifest_blob mb
  join tag_counts t on t.digest = mb.manifest_digest
  join regstat.blobs b on b.digest = mb.blob_digest
  group by mb.manifest_digest
),
index_blob_bytes as (
  select x.digest, sum(b.size) as bytes
  from (
    select distinct c.parent_digest as digest, mb.blob_digest
    from regstat.manifest_children c
    join tag_counts t on t.digest = c.parent_digest
    join regstat.manifest_blob mb on mb.manifest_digest in (c.parent_digest, c.child_digest)
  ) x
  join regstat.blobs b on b.digest = x.blob_digest
  group by x.digest
),
image_sizes as (
  select t.digest, t.tags,
    coalesce(m.size, 0)
      + coalesce((select sum(c.size) from regstat.manifest_children c where c.parent_digest = t.digest), 0)
      + coalesce(ib.bytes, mb.bytes, 0) as size
  from tag_counts t
  left join regstat.manifests m on m.digest = t.digest
  left join manifest_blob_bytes mb on mb.digest = t.digest
  left join index_blob_bytes ib on ib.digest = t.digest
)
select
  (select coalesce(sum(size), 0) from regstat.blobs)
    + (select coalesce(sum(size), 0) from regstat.manifests) as deduplicated_bytes,
  (select coalesce(sum(size * tags), 0) from image_sizes) as summed_bytes,
  (
    select coalesce(sum(b.size), 0)
    from regstat.blobs b
    left join blob_use u on u.blob_digest = b.digest
    where u.blob_digest is null
      and (b.pushed is null or b.pushed < now() - $1::bigint * interval '1 millisecond')
  ) as orphaned_bytes,
  (
    select coalesce(sum(m.size), 0)
    from in_use u
    join regstat.manifests m on m.digest = u.digest
    left join tagged t on t.digest = u.digest
    where t.digest is null
  )
  + (select coalesce(sum(b.size), 0) from regstat.blobs b join blob_use u on u.blob_digest = b.digest where not u.tagged)
    as untagged_bytes
