-- Tags named by manifest events ($1: the manifest events that name a tag). A tag points at the digest of
-- its newest push; a tag regstat only ever saw pulled points at what was pulled. Every pairing pushed is
-- kept in tag_history. The newest of the events for a tag is dead if the tag was deleted by name at or
-- after it (tag_tombstones), or the manifest it names was deleted from the repository at or after it: it
-- then brings nothing back, and a live tag with no evidence newer than it dies too (the tag had moved to
-- that manifest before the deletion, which arrived first and could not know). It is stale if the tag is
-- not live but was pushed after it: that push's life has ended since, and older evidence must not revive it.
with tagged as (
  select e.registry || '/' || e.repository || ':' || e.tag as name, e.*
  from jsonb_to_recordset($1::jsonb) as e (
    ts timestamptz, action text, registry text, repository text, digest text, tag text, method text, uncounted text
  )
),
history as (
  insert into regstat.tag_history (name, registry, repository, tag, manifest_digest, pushed)
  select name, registry, repository, tag, digest, ts from tagged where action = 'push'
  on conflict do nothing
),
latest as (
  select
    name, registry, repository, tag,
    coalesce(
      (array_agg(digest order by ts desc) filter (where action = 'push'))[1],
      (array_agg(digest order by ts desc))[1]
    ) as manifest_digest,
    max(ts) filter (where action = 'push') as pushed,
    max(ts) filter (where action = 'pull' and method = 'GET' and uncounted is null) as pulled,
    count(*) filter (where action = 'pull' and method = 'GET' and uncounted is null) as pull_count,
    max(ts) as newest,
    (array_agg(digest order by ts desc))[1] as newest_digest
  from tagged
  group by name, registry, repository, tag
),
judged as (
  select l.*, greatest(
    (select d.deleted from regstat.tag_tombstones d where d.name = l.name and d.deleted >= l.newest),
    (select r.deleted from regstat.repository_manifests r
     where r.registry = l.registry and r.repository = l.repository and r.digest = l.newest_digest
       and r.deleted >= l.newest)
  ) as dead_since,
  not exists (select 1 from regstat.tags t where t.name = l.name)
    and exists (select 1 from regstat.tag_history h where h.name = l.name and h.pushed > l.newest) as stale
  from latest l
),
locked as (
  select t.name from regstat.tags t
  where t.name in (select name from judged where dead_since is not null)
  order by t.name
  for update
),
killed as (
  delete from regstat.tags t
  using judged j
  where t.name = j.name and t.name in (select name from locked)
    and coalesce(t.seen, '-infinity') <= j.newest
  returning t.*, j.dead_since
),
archived as (
  insert into regstat.deleted_tags as dt
    (name, registry, repository, tag, manifest_digest, pushed, pulled, pull_count, deleted)
  select name, registry, repository, tag, manifest_digest, pushed, pulled, pull_count, dead_since
  from killed
  order by name
  on conflict (name) do update set
    registry = excluded.registry, repository = excluded.repository, tag = excluded.tag,
    manifest_digest = excluded.manifest_digest, pushed = excluded.pushed, pulled = excluded.pulled,
    pull_count = excluded.pull_count, deleted = excluded.deleted
  where excluded.deleted >= dt.deleted
)
insert into regstat.tags as t (name, registry, repository, tag, manifest_digest, pushed, pulled, pull_count, seen)
select j.name, j.registry, j.repository, j.tag, j.manifest_digest, j.pushed, j.pulled, j.pull_count, j.newest
from judged j
where j.dead_since is null and not j.stale
order by j.name
on conflict (name) do update set
  manifest_digest = case
    when excluded.pushed >= t.pushed or t.pushed is null then excluded.manifest_digest
    else t.manifest_digest
  end,
  pushed = greatest(t.pushed, excluded.pushed),
  pulled = greatest(t.pulled, excluded.pulled),
  pull_count = t.pull_count + excluded.pull_count,
  seen = greatest(t.seen, excluded.seen)
