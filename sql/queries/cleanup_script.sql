-- Every deletion of a cleanup plan (regstat.cleanup_plan, migration 12), in the order a script applies them
-- safely: tags deleted alone first, then each manifest once, indexes before the platforms they list.
-- $1-$13 the plan's arguments.
with plan as materialized (
  select * from regstat.cleanup_plan($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) p where p.kind <> 'kept'
),
steps as (
  select p.kind, p.registry, p.repository, p.tag, p.digest
  from plan p
  where p.kind = 'tag'
  union all
  select min(p.kind), p.registry, p.repository, null, p.digest
  from plan p
  where p.kind in ('image', 'untagged', 'platform')
  group by p.registry, p.repository, p.digest
)
select s.kind, s.registry, s.repository, s.tag, s.digest
from steps s
order by s.kind = 'tag' desc,
  exists (select 1 from regstat.manifest_children c where c.parent_digest = s.digest) desc,
  s.registry collate "C", s.repository collate "C", s.digest collate "C", s.tag collate "C"
