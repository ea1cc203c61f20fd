-- What a whole cleanup plan (regstat.cleanup_plan, migration 12) deletes and keeps, and the bytes a garbage
-- collection gets back once it is applied: the plan's deletions as one group of regstat.cleanup_freed
-- (migration 18), which compares the marks they take away from each digest with the marks the registry's
-- collector finds on it (registry_marks). Each registry has its own storage.
-- $1-$13 the plan's arguments.
with plan as materialized (
  select * from regstat.cleanup_plan($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
),
gone as materialized (
  select distinct registry, repository, digest from plan where kind in ('image', 'untagged', 'platform')
)
select
  (
    select coalesce(sum(f.bytes), 0)
    from (select array_agg(''::text) as g, array_agg(registry) as r, array_agg(repository) as p, array_agg(digest) as d from gone) a,
      regstat.cleanup_freed(a.g, a.r, a.p, a.d) f
  )::bigint as reclaimable_bytes,
  (select count(*) from plan where kind in ('tag', 'image')) as tags,
  (select count(*) from gone) as manifests,
  (select count(*) from plan where kind = 'kept') as kept_tags
