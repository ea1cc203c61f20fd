-- What a whole cleanup plan (regstat.cleanup_plan, migration 12) deletes and keeps, and the bytes a garbage
-- collection gets back once it is applied. The collector keeps every blob a live manifest of the registry
-- marks (the manifest itself, its config and layers, and for an index its platform manifests): a blob goes
-- when every manifest marking it is gone from every repository of its registry that held it. Each
-- registry has its own storage. Set-based: a registry-wide plan touches most of the registry.
-- $1-$13 the plan's arguments.
with plan as materialized (
  select * from regstat.cleanup_plan($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
),
gone as materialized (
  select distinct registry, repository, digest from plan where kind in ('image', 'untagged', 'platform')
),
-- manifests the plan deletes from every repository of the registry holding them
vanished as materialized (
  select distinct g.registry, g.digest
  from gone g
  where not exists (
    select 1 from regstat.repository_manifests rm
    where rm.digest = g.digest and rm.registry = g.registry and rm.deleted is null
      and not exists (select 1 from gone o where o.registry = rm.registry and o.repository = rm.repository and o.digest = rm.digest)
  )
),
-- what they mark, each once per registry
released as materialized (
  select v.registry, v.digest as blob from vanished v
  union
  select v.registry, mb.blob_digest from vanished v join regstat.manifest_blob mb on mb.manifest_digest = v.digest
  union
  select v.registry, c.child_digest from vanished v join regstat.manifest_children c on c.parent_digest = v.digest
),
-- the live manifests of the registry that mark them: the digest itself, a manifest naming it, an index listing it
markers as (
  select r.registry, r.blob, rm.digest as manifest
  from released r
  join regstat.repository_manifests rm on rm.digest = r.blob and rm.registry = r.registry and rm.deleted is null
  union all
  select r.registry, r.blob, rm.digest
  from released r
  join regstat.manifest_blob mb on mb.blob_digest = r.blob
  join regstat.repository_manifests rm on rm.digest = mb.manifest_digest and rm.registry = r.registry and rm.deleted is null
  union all
  select r.registry, r.blob, rm.digest
  from released r
  join regstat.manifest_children c on c.child_digest = r.blob
  join regstat.repository_manifests rm on rm.digest = c.parent_digest and rm.registry = r.registry and rm.deleted is null
),
-- a released blob goes unless a manifest the registry keeps marks it
freed as (
  select r.registry, r.blob
  from released r
  where not exists (
    select 1 from markers m
    where m.registry = r.registry and m.blob = r.blob
      and not exists (select 1 from vanished v where v.registry = m.registry and v.digest = m.manifest)
  )
)
select
  (
    -- regstat.stored_size, joined rather than probed three times a blob
    select coalesce(sum(coalesce(m.size, b.size, (select max(c.size) from regstat.manifest_children c where c.child_digest = f.blob), 0)), 0)
    from freed f
    left join regstat.manifests m on m.digest = f.blob
    left join regstat.blobs b on b.digest = f.blob
  ) as reclaimable_bytes,
  (select count(*) from plan where kind in ('tag', 'image')) as tags,
  (select count(*) from gone) as manifests,
  (select count(*) from plan where kind = 'kept') as kept_tags
