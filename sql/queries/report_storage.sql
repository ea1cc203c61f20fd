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
image_members as (
  select t.digest as image, t.digest as member from tag_counts t
  union all
  select c.parent_digest, c.child_digest from regstat.manifest_children c join tag_counts t on t.digest = c.parent_digest
),
image_blob_bytes as (
  select x.image, sum(b.size) as bytes
  from (
    select distinct im.image, mb.blob_digest
    from image_members im join regstat.manifest_blob mb on mb.manifest_digest = im.member
  ) x
  join regstat.blobs b on b.digest = x.blob_digest
  group by x.image
),
image_sizes as (
  select t.digest, t.tags,
    coalesce(m.size, 0)
      + coalesce((select sum(c.size) from regstat.manifest_children c where c.parent_digest = t.digest), 0)
      + coalesce(ib.bytes, 0) as size
  from tag_counts t
  left join regstat.manifests m on m.digest = t.digest
  left join image_blob_bytes ib on ib.image = t.digest
)
select
  (select coalesce(sum(size), 0) from regstat.blobs)
    + (select coalesce(sum(size), 0) from regstat.manifests) as deduplicated_bytes,
  (select coalesce(sum(size * tags), 0) from image_sizes) as summed_bytes,
  (
    select coalesce(sum(b.size), 0) from regstat.blobs b
    where (b.pushed is null or b.pushed < now() - $1::bigint * interval '1 millisecond')
      and not exists (select 1 from blob_use u where u.blob_digest = b.digest)
  ) as orphaned_bytes,
  (select coalesce(sum(m.size), 0) from regstat.manifests m
    where m.digest in (select digest from in_use) and m.digest not in (select digest from tagged))
  + (select coalesce(sum(b.size), 0) from regstat.blobs b join blob_use u on u.blob_digest = b.digest where not u.tagged)
    as untagged_bytes
