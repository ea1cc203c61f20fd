-- What a whole cleanup plan (regstat.cleanup_plan, migration 12) deletes and keeps, and the bytes a garbage
-- collection gets back once it is applied. The collector keeps every blob a live manifest of the registry
-- marks (the manifest itself, its config and layers, and for an index its platform manifests); the settle
-- counts those marks per registry and digest (registry_marks, migration 18). A digest goes when the plan's
-- deletions take away all of its marks. Each registry has its own storage.
-- $1-$13 the plan's arguments.
with plan as materialized (
  select * from regstat.cleanup_plan($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
),
gone as materialized (
  select distinct registry, repository, digest from plan where kind in ('image', 'untagged', 'platform')
),
-- the marks each deleted (repository, manifest) makes, as registry_marks counts them
reached as (
  select registry, repository, digest, digest as target from gone
  union
  select g.registry, g.repository, g.digest, c.child_digest from gone g join regstat.manifest_children c on c.parent_digest = g.digest
),
taken as (
  select registry, target as digest, count(*) as marks from (
    select registry, target from reached
    union all
    select g.registry, mb.blob_digest from gone g join regstat.manifest_blob mb on mb.manifest_digest = g.digest
  ) x
  group by 1, 2
),
freed as (
  select t.digest
  from taken t
  join regstat.registry_marks m on m.registry = t.registry and m.digest = t.digest
  where m.marks = t.marks
)
select
  (
    -- regstat.stored_size, joined rather than probed three times a blob
    select coalesce(sum(coalesce(m.size, b.size, (select max(c.size) from regstat.manifest_children c where c.child_digest = f.digest), 0)), 0)
    from freed f
    left join regstat.manifests m on m.digest = f.digest
    left join regstat.blobs b on b.digest = f.digest
  ) as reclaimable_bytes,
  (select count(*) from plan where kind in ('tag', 'image')) as tags,
  (select count(*) from gone) as manifests,
  (select count(*) from plan where kind = 'kept') as kept_tags
