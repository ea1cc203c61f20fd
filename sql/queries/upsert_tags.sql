-- Tags named by manifest events ($1: the manifest events that name a tag). A tag points at the digest of its newest push; a tag
-- regstat only ever saw pulled points at what was pulled. Every pairing pushed is kept in tag_history,
-- and an event older than the tag's deletion, or than its manifest's deletion from that repository,
-- does not bring the tag back.
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
    max(ts) as newest
  from tagged
  group by name, registry, repository, tag
)
insert into regstat.tags as t (name, registry, repository, tag, manifest_digest, pushed, pulled, pull_count)
select l.name, l.registry, l.repository, l.tag, l.manifest_digest, l.pushed, l.pulled, l.pull_count
from latest l
where not exists (select 1 from regstat.deleted_tags d where d.name = l.name and d.deleted >= l.newest)
  and not exists (
    select 1 from regstat.repository_manifests r
    where r.registry = l.registry and r.repository = l.repository and r.digest = l.manifest_digest
      and r.deleted >= l.newest
  )
order by l.name
on conflict (name) do update set
  manifest_digest = case
    when excluded.pushed >= t.pushed or t.pushed is null then excluded.manifest_digest
    else t.manifest_digest
  end,
  pushed = greatest(t.pushed, excluded.pushed),
  pulled = greatest(t.pulled, excluded.pulled),
  pull_count = t.pull_count + excluded.pull_count
