-- What a whole cleanup plan (regstat.cleanup_plan, migration 12) deletes and keeps, and the bytes a garbage
-- collection gets back once it is applied: per registry (each has its own storage), summed.
-- $1-$13 the plan's arguments.
with plan as materialized (
  select * from regstat.cleanup_plan($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
),
gone as (
  select distinct registry, repository, digest from plan where kind in ('image', 'untagged', 'platform')
)
select
  (
    select coalesce(sum(bytes), 0)
    from (
      select regstat.cleanup_reclaimable(g.registry, array_agg(g.repository), array_agg(g.digest)) as bytes
      from gone g
      group by g.registry
    ) r
  ) as reclaimable_bytes,
  (select count(*) from plan where kind in ('tag', 'image')) as tags,
  (select count(*) from gone) as manifests,
  (select count(*) from plan where kind = 'kept') as kept_tags
