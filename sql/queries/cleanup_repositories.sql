-- A cleanup plan (regstat.cleanup_plan, migration 12) per repository of a window: what it deletes and keeps
-- there, and what a garbage collection gets back if only that repository's part of it is applied
-- (regstat.cleanup_freed, migration 18: one group per repository).
-- $1-$13 the plan's arguments, $14-$15 the repository to start after, $16 page size.
with plan as materialized (
  select * from regstat.cleanup_plan($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) p
  where (p.registry collate "C", p.repository collate "C") > ($14::text, $15::text)
),
repositories as materialized (
  select p.registry, p.repository,
    count(*) filter (where p.kind in ('tag', 'image')) as tags,
    count(*) filter (where p.kind = 'kept') as kept_tags
  from plan p
  group by p.registry, p.repository
  order by p.registry collate "C", p.repository collate "C"
  limit $16
),
gone as materialized (
  select distinct p.registry, p.repository, p.digest, jsonb_build_array(p.registry, p.repository)::text as grp
  from plan p
  join repositories r on r.registry = p.registry and r.repository = p.repository
  where p.kind in ('image', 'untagged', 'platform')
),
freed as materialized (
  select f.grp, f.bytes
  from (select array_agg(grp) as g, array_agg(registry) as r, array_agg(repository) as p, array_agg(digest) as d from gone) a,
    regstat.cleanup_freed(a.g, a.r, a.p, a.d) f
)
select r.registry, r.repository, r.tags,
  (select count(*) from gone g where g.registry = r.registry and g.repository = r.repository) as manifests,
  r.kept_tags,
  coalesce((select f.bytes from freed f where f.grp = jsonb_build_array(r.registry, r.repository)::text), 0) as reclaimable_bytes,
  jsonb_build_array(r.registry, r.repository) as cursor_key
from repositories r
order by r.registry collate "C", r.repository collate "C"
