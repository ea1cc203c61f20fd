-- A page of a cleanup plan (regstat.cleanup_plan, migration 12): the tags and manifests the rule deletes in
-- a window of repositories, after a key, with what deleting each manifest alone would give back.
-- $1-$13 the plan's arguments, $14-$17 the key to start after (registry, repository, tag or '', digest),
-- $18 page size.
-- exclusive_bytes: what deleting the manifest and those of its platforms nothing else in the repository needs
-- (no tag, no other live index) frees, and nothing else (regstat.cleanup_freed, migration 18); 0 for a tag
-- deleted alone; null for a platform (its index's row counts it). shared: the image has bytes that stay
-- (other images keep them).
with page as materialized (
  select p.*
  from regstat.cleanup_plan($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) p
  where p.kind <> 'kept'
    and (p.registry collate "C", p.repository collate "C", coalesce(p.tag, '') collate "C", p.digest collate "C")
      > ($14::text, $15::text, $16::text, $17::text)
  order by p.registry collate "C", p.repository collate "C", coalesce(p.tag, '') collate "C", p.digest collate "C"
  limit $18
),
-- each manifest deleted, with those of its platforms nothing else in the repository needs: one group each
alone as materialized (
  select p.registry, p.repository, x.digest, jsonb_build_array(p.registry, p.repository, p.digest)::text as grp
  from (select distinct registry, repository, digest from page where kind in ('image', 'untagged')) p
  cross join lateral (
    select p.digest
    union
    select c.child_digest
    from regstat.manifest_children c
    where c.parent_digest = p.digest
      and exists (
        select 1 from regstat.repository_manifests rm
        where rm.registry = p.registry and rm.repository = p.repository and rm.digest = c.child_digest and rm.deleted is null
      )
      and not exists (
        select 1 from regstat.tags t
        where t.registry = p.registry and t.repository = p.repository and t.manifest_digest = c.child_digest
      )
      and not exists (
        select 1
        from regstat.manifest_children other
        join regstat.repository_manifests rm
          on rm.registry = p.registry and rm.repository = p.repository and rm.digest = other.parent_digest and rm.deleted is null
        where other.child_digest = c.child_digest and other.parent_digest <> p.digest
      )
  ) x
),
freed as materialized (
  select f.grp, f.bytes
  from (select array_agg(grp) as g, array_agg(registry) as r, array_agg(repository) as p, array_agg(digest) as d from alone) a,
    regstat.cleanup_freed(a.g, a.r, a.p, a.d) f
)
select p.registry, p.repository, p.kind, p.tag, p.digest, p.pushed, p.pulled, p.pull_count,
  case p.kind when 'tag' then 0 when 'platform' then null else coalesce(a.bytes, 0) end as exclusive_bytes,
  case p.kind when 'tag' then true when 'platform' then null else coalesce(a.bytes, 0) < regstat.image_size(p.digest) end as shared,
  jsonb_build_array(p.registry, p.repository, coalesce(p.tag, ''), p.digest) as cursor_key
from page p
left join freed a on a.grp = jsonb_build_array(p.registry, p.repository, p.digest)::text
order by p.registry collate "C", p.repository collate "C", coalesce(p.tag, '') collate "C", p.digest collate "C"
