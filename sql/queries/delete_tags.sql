-- Tags deleted by name, and the tags of a repository whose manifest was deleted there ($1: the deletes
-- of tags and of manifests, classified), move to deleted_tags, unless newer evidence vouches for them (the
-- delete arrived late). A delete by name also leaves a tombstone, even for a tag regstat never saw, so a
-- push or pull older than it, arriving later, does not bring the tag back (upsert_tags.sql). A manifest's
-- delete leaves none for its tags: the repository's tombstone of the manifest does that job, for evidence
-- naming that manifest only, since a tag may have moved to another manifest before the delete.
with deletes as (
  select * from jsonb_to_recordset($1::jsonb) as e (
    ts timestamptz, kind text, registry text, repository text, digest text, tag text
  )
),
tombstones as (
  insert into regstat.tag_tombstones as tt (name, registry, repository, tag, deleted)
  select e.registry || '/' || e.repository || ':' || e.tag, e.registry, e.repository, e.tag, max(e.ts)
  from deletes e
  where e.kind = 'tag'
  group by e.registry, e.repository, e.tag
  order by 1
  on conflict (name) do update set deleted = greatest(tt.deleted, excluded.deleted)
),
doomed as (
  select e.registry || '/' || e.repository || ':' || e.tag as name, e.ts as deleted
  from deletes e
  where e.kind = 'tag'
  union all
  select t.name, e.ts
  from deletes e
  join regstat.tags t on t.registry = e.registry and t.repository = e.repository and t.manifest_digest = e.digest
  where e.kind = 'manifest'
),
locked as (
  select t.name from regstat.tags t where t.name in (select name from doomed) order by t.name for update
),
-- A tag's life ends at the first of its deletions not older than the newest event that named it (`seen`),
-- however the deletions were batched.
ends as (
  select t.name, min(d.deleted) as deleted
  from regstat.tags t
  join doomed d on d.name = t.name
  where t.name in (select name from locked) and coalesce(t.seen, '-infinity') <= d.deleted
  group by t.name
),
moved as (
  delete from regstat.tags t using ends e where t.name = e.name
  returning t.*, e.deleted
)
insert into regstat.deleted_tags as dt
  (name, registry, repository, tag, manifest_digest, pushed, pulled, pull_count, deleted)
select name, registry, repository, tag, manifest_digest, pushed, pulled, pull_count, deleted
from moved
order by name
on conflict (name) do update set
  registry = excluded.registry, repository = excluded.repository, tag = excluded.tag,
  manifest_digest = excluded.manifest_digest, pushed = excluded.pushed, pulled = excluded.pulled,
  pull_count = excluded.pull_count, deleted = excluded.deleted
where excluded.deleted >= dt.deleted
