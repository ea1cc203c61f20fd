-- A cleanup plan (regstat.cleanup_plan, migration 12) per repository of a window: what it deletes and keeps
-- there, and what a garbage collection gets back if only that repository's part of it is applied.
-- $1-$13 the plan's arguments, $14-$15 the repository to start after, $16 page size.
with plan as materialized (
  select * from regstat.cleanup_plan($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) p
  where (p.registry collate "C", p.repository collate "C") > ($14::text, $15::text)
),
gone as (
  select distinct registry, repository, digest from plan where kind in ('image', 'untagged', 'platform')
),
repositories as (
  select p.registry, p.repository,
    count(*) filter (where p.kind in ('tag', 'image')) as tags,
    count(*) filter (where p.kind = 'kept') as kept_tags
  from plan p
  group by p.registry, p.repository
  order by p.registry collate "C", p.repository collate "C"
  limit $16
)
select r.registry, r.repository, r.tags,
  coalesce(g.manifests, 0) as manifests, r.kept_tags, coalesce(g.bytes, 0) as reclaimable_bytes,
  jsonb_build_array(r.registry, r.repository) as cursor_key
from repositories r
left join lateral (
  select count(*) as manifests, regstat.cleanup_reclaimable(r.registry, r.repository, array_agg(g.digest)) as bytes
  from gone g
  where g.registry = r.registry and g.repository = r.repository
) g on true
order by r.registry collate "C", r.repository collate "C"
