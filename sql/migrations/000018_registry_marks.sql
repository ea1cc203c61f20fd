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

-- A rebuild of every aggregate (a TRUNCATE of a source table, migration 11) rebuilds these too: the settle
-- calls rebuild_aggregates, which now does migration 11's rebuild and then this one.
alter function regstat.rebuild_aggregates() rename to rebuild_live_aggregates;
create function regstat.rebuild_aggregates() returns void
language plpgsql
set enable_seqscan = on set enable_hashjoin = on set enable_mergejoin = on
as $$
begin
  perform regstat.rebuild_live_aggregates();
  delete from regstat.registry_marks;
  insert into regstat.registry_marks select * from regstat.expected_registry_marks;
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

-- The bytes a garbage collection gets back per group of deletions, each group applied alone: a group is live
-- (repository, manifest) rows of the registry (given as four arrays of one length: group, registry,
-- repository, manifest digest; rows not live are left out), and a digest goes when that group's deletions
-- take away all of its marks. Sizes: a manifest's own bytes, else a blob's, else what an index says of its
-- platform (0 if unknown). The cleanup planner's one count of freed bytes: the whole plan (one group), a
-- repository's part of it, a manifest deleted alone. A group that frees nothing has no row.
-- It replaces migration 12's cleanup_reclaimable, which searched, for each blob a group marks, another live
-- manifest of the registry marking it.
drop function regstat.cleanup_reclaimable(text, text, text[]);
create function regstat.cleanup_freed(groups text[], registries text[], repositories text[], digests text[])
returns table (grp text, bytes bigint)
language sql stable
as $$
with gone as (
  select distinct g.grp, g.registry, g.repository, g.digest
  from unnest(groups, registries, repositories, digests) as g (grp, registry, repository, digest)
  join regstat.repository_manifests rm
    on rm.registry = g.registry and rm.repository = g.repository and rm.digest = g.digest and rm.deleted is null
),
-- the marks each of them makes, as registry_marks counts them
reached as (
  select grp, registry, repository, digest, digest as target from gone
  union
  select g.grp, g.registry, g.repository, g.digest, c.child_digest
  from gone g join regstat.manifest_children c on c.parent_digest = g.digest
),
taken as (
  select grp, registry, target, count(*) as marks from (
    select grp, registry, target from reached
    union all
    select g.grp, g.registry, mb.blob_digest from gone g join regstat.manifest_blob mb on mb.manifest_digest = g.digest
  ) x
  group by 1, 2, 3
),
-- first the few digests that go, then their sizes
freed as materialized (
  select t.grp, t.target
  from taken t
  join regstat.registry_marks k on k.registry = t.registry and k.digest = t.target
  where k.marks = t.marks
)
select f.grp,
  sum(coalesce(m.size, b.size, (select max(c.size) from regstat.manifest_children c where c.child_digest = f.target), 0))::bigint
from freed f
left join regstat.manifests m on m.digest = f.target
left join regstat.blobs b on b.digest = f.target
group by f.grp
$$;
