-- Tags deleted by name, and the tags of a repository whose manifest was deleted there ($1: the deletes
-- of tags and of manifests, classified), move to deleted_tags. A tag deleted by name leaves a row there
-- even if regstat never saw it, so a push older than the deletion, arriving late, does not bring it back.
with deletes as (
  select * from jsonb_to_recordset($1::jsonb) as e (
    ts timestamptz, kind text, registry text, repository text, digest text, tag text
  )
),
doomed as (
  select e.registry || '/' || e.repository || ':' || e.tag as name, e.registry, e.repository, e.tag,
         e.ts as deleted, true as by_name
  from deletes e
  where e.kind = 'tag'
  union all
  select t.name, t.registry, t.repository, t.tag, e.ts, false
  from deletes e
  join regstat.tags t on t.registry = e.registry and t.repository = e.repository and t.manifest_digest = e.digest
  where e.kind = 'manifest'
),
per_tag as (
  select name, min(registry) as registry, min(repository) as repository, min(tag) as tag,
         max(deleted) as deleted, bool_or(by_name) as by_name
  from doomed
  group by name
),
locked as (
  select t.name from regstat.tags t where t.name in (select name from per_tag) order by t.name for update
),
moved as (
  delete from regstat.tags t
  using per_tag d
  where t.name = d.name and t.name in (select name from locked)
    and coalesce(greatest(t.pushed, t.pulled), '-infinity') <= d.deleted
  returning t.*
)
insert into regstat.deleted_tags as dt
  (name, registry, repository, tag, manifest_digest, pushed, pulled, pull_count, deleted)
select d.name, d.registry, d.repository, d.tag, m.manifest_digest, m.pushed, m.pulled, coalesce(m.pull_count, 0), d.deleted
from per_tag d
left join moved m on m.name = d.name
where m.name is not null or d.by_name
order by d.name
on conflict (name) do update set
  registry = excluded.registry,
  repository = excluded.repository,
  tag = excluded.tag,
  manifest_digest = coalesce(excluded.manifest_digest, dt.manifest_digest),
  pushed = coalesce(excluded.pushed, dt.pushed),
  pulled = coalesce(excluded.pulled, dt.pulled),
  pull_count = case when excluded.manifest_digest is null then dt.pull_count else excluded.pull_count end,
  deleted = greatest(dt.deleted, excluded.deleted)
