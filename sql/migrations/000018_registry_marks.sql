-- What a garbage collection of each registry marks, counted per digest, so that the cleanup planner's totals
-- (sql/queries/cleanup_totals.sql) read one row per digest a plan releases instead of looking for every other
-- manifest that marks it.
--
--   registry_marks (registry, digest)
--     marks      how many marks Distribution's mark phase makes on the digest in that registry: one for each
--                live (repository, manifest) pair whose manifest is the digest, names it (config, layer) or,
--                as an index, lists it as a platform. The collector keeps a blob while this is above 0; a
--                cleanup plan frees it when its deletions take away every one of them.
--
-- A mark is a path of repository_refs (migration 11) that the collector follows: a live manifest to itself,
-- to its platforms, and to the blobs it names itself (not to its platforms' blobs: each platform manifest is
-- marked on its own). So the counts move with the paths the settle records in settle_paths, in the same
-- transaction: a trigger on that work table adds each inserted path's change, bounded by the event like the
-- paths themselves, and leaves settle_changes as it is. A rebuild (TRUNCATE of a source table) recomputes
-- them, and `regstat check` compares them with expected_registry_marks.

create table regstat.registry_marks (
  registry text not null,
  digest text not null,
  marks integer not null,
  primary key (registry, digest)
);

create view regstat.expected_registry_marks as
select registry, target as digest, count(*)::integer as marks
from regstat.expected_repository_paths
where kind = 'manifest' or manifest = digest
group by 1, 2;

create function regstat.settle_registry_marks() returns trigger
language plpgsql as $$
begin
  insert into regstat.registry_marks as r (registry, digest, marks)
  select p.registry, p.target, sum(case when p.now then 1 else -1 end)::integer
  from new_rows p
  where p.kind = 'manifest' or p.manifest = p.digest
  group by 1, 2
  having sum(case when p.now then 1 else -1 end) <> 0
  order by 1, 2
  on conflict (registry, digest) do update set marks = r.marks + excluded.marks;
  delete from regstat.registry_marks r using new_rows p
  where r.registry = p.registry and r.digest = p.target and r.marks = 0;
  return null;
end $$;

create trigger settle_paths_marks after insert on regstat.settle_paths referencing new table as new_rows
  for each statement execute function regstat.settle_registry_marks();

-- A rebuild of every aggregate (migration 11) rebuilds these too.
create or replace function regstat.rebuild_aggregates() returns void
language plpgsql
set enable_seqscan = on set enable_hashjoin = on set enable_mergejoin = on
as $$
begin
  delete from regstat.manifest_refs;
  delete from regstat.blob_refs;
  delete from regstat.repository_refs;
  delete from regstat.repository_storage;
  delete from regstat.missing_blobs;
  delete from regstat.registry_marks;
  insert into regstat.repository_refs select * from regstat.expected_repository_refs;
  insert into regstat.manifest_refs select * from regstat.expected_manifest_refs;
  insert into regstat.blob_refs select * from regstat.expected_blob_refs;
  insert into regstat.repository_storage select * from regstat.expected_repository_storage;
  insert into regstat.missing_blobs select * from regstat.expected_missing_blobs;
  insert into regstat.registry_marks select * from regstat.expected_registry_marks;
  update regstat.registry_totals t set
    blobs = e.blobs, blob_bytes = e.blob_bytes, blobs_of_unknown_size = e.blobs_of_unknown_size,
    manifests = e.manifests, manifest_bytes = e.manifest_bytes, orphaned_blobs = e.orphaned_blobs,
    orphaned_bytes = e.orphaned_bytes, untagged_bytes = e.untagged_bytes, summed_bytes = e.summed_bytes
  from regstat.expected_registry_totals e;
end $$;

-- computed once for a database that already holds a registry: the view's paths, without the platforms' blobs
insert into regstat.registry_marks (registry, digest, marks)
with held as (
  select registry, repository, digest from regstat.repository_manifests where deleted is null
),
reached as (
  select registry, repository, digest, digest as manifest from held
  union
  select h.registry, h.repository, h.digest, c.child_digest from held h join regstat.manifest_children c on c.parent_digest = h.digest
)
select registry, target, count(*)::integer from (
  select registry, manifest as target from reached
  union all
  select h.registry, mb.blob_digest from held h join regstat.manifest_blob mb on mb.manifest_digest = h.digest
) x
group by 1, 2;
