-- Whole-registry answers (the storage and missing-blobs reports) read every link in the registry: seconds
-- on a large one, far beyond what a report may take. They are computed ahead, in the background
-- (src/reports/snapshots.ts), into these materialized views, and the reports read the views. Each view
-- has a unique index on plain columns, so that `refresh materialized view concurrently` can rebuild it
-- while reports go on reading the previous answer.

-- storage: every total but orphaned_bytes, which depends on the report's grace and is summed from
-- orphaned_blobs_snapshot when asked. One row.
create materialized view regstat.storage_snapshot as
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
child_bytes as (
  select c.parent_digest as digest, sum(c.size) as bytes
  from regstat.manifest_children c join tag_counts t on t.digest = c.parent_digest
  group by c.parent_digest
),
image_sizes as (
  select t.digest, t.tags,
    coalesce(m.size, 0) + coalesce(cb.bytes, 0) + coalesce(ib.bytes, mb.bytes, 0) as size
  from tag_counts t
  left join regstat.manifests m on m.digest = t.digest
  left join child_bytes cb on cb.digest = t.digest
  left join manifest_blob_bytes mb on mb.digest = t.digest
  left join index_blob_bytes ib on ib.digest = t.digest
)
select
  1 as id,
  (select coalesce(sum(size), 0) from regstat.blobs)
    + (select coalesce(sum(size), 0) from regstat.manifests) as deduplicated_bytes,
  (select coalesce(sum(size * tags), 0) from image_sizes) as summed_bytes,
  (
    select coalesce(sum(m.size), 0)
    from in_use u
    join regstat.manifests m on m.digest = u.digest
    left join tagged t on t.digest = u.digest
    where t.digest is null
  )
  + (select coalesce(sum(b.size), 0) from regstat.blobs b join blob_use u on u.blob_digest = b.digest where not u.tagged)
    as untagged_bytes;
create unique index storage_snapshot_id_idx on regstat.storage_snapshot (id);

-- storage: the blobs no live manifest (nor a platform of a live index) references, in any repository,
-- with when they were last pushed, so the report leaves out those within its grace.
create materialized view regstat.orphaned_blobs_snapshot as
with live as materialized (
  select distinct rm.digest from regstat.repository_manifests rm where rm.deleted is null
),
in_use as materialized (
  select digest from live
  union
  select c.child_digest from regstat.manifest_children c join live l on l.digest = c.parent_digest
),
used as materialized (
  select distinct mb.blob_digest as digest from regstat.manifest_blob mb join in_use u on u.digest = mb.manifest_digest
)
select b.digest, b.size, b.pushed
from regstat.blobs b
where not exists (select 1 from used u where u.digest = b.digest);
create unique index orphaned_blobs_snapshot_digest_idx on regstat.orphaned_blobs_snapshot (digest);

-- missing-blobs: per repository, each live manifest (or, for an index, each of its platforms) naming a
-- blob the repository does not hold (a tombstone, or no row at all). Names in byte order (collate "C")
-- so that a page is a range of the unique index.
create materialized view regstat.missing_blobs_snapshot as
with refs as (
  select rm.registry, rm.repository, rm.digest, rm.digest as manifest
  from regstat.repository_manifests rm
  where rm.deleted is null
  union all
  select rm.registry, rm.repository, rm.digest, c.child_digest
  from regstat.repository_manifests rm
  join regstat.manifest_children c on c.parent_digest = rm.digest
  where rm.deleted is null
)
select
  r.registry collate "C" as registry,
  r.repository collate "C" as repository,
  r.digest collate "C" as digest,
  r.manifest collate "C" as manifest,
  mb.blob_digest collate "C" as blob,
  case when rb.deleted is not null then 'deleted' else 'never_seen' end as reason,
  rb.deleted as blob_deleted
from refs r
join regstat.manifest_blob mb on mb.manifest_digest = r.manifest
left join regstat.repository_blobs rb
  on rb.registry = r.registry and rb.repository = r.repository and rb.digest = mb.blob_digest
where rb.digest is null or rb.deleted is not null;
create unique index missing_blobs_snapshot_key_idx
  on regstat.missing_blobs_snapshot (registry, repository, digest, manifest, blob);

-- When the views were last computed: the start of the transaction that refreshed them all together.
create table regstat.report_snapshots (
  id boolean primary key default true check (id),
  refreshed timestamptz not null,
  took_ms integer
);
insert into regstat.report_snapshots (refreshed) values (now());

-- activity with a repository prefix: the per-repository day counts of the matching repositories, a range
-- of this index, rather than every repository's counts for the days asked.
create index if not exists activity_daily_report_repository_idx
  on regstat.activity_daily (repository collate "C", day);
