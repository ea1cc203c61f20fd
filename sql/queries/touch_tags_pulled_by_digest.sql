-- A manifest pulled by digest ($1: the GET pulls of manifests that name no tag) is a pull of every live tag in that repository that
-- points at it. A child of an index is pulled by digest after its index (containerd, Kubernetes):
-- that refreshes the index's tags' pull time without counting a second pull.
with pulls as (
  select e.registry, e.repository, e.digest, max(e.ts) as pulled, count(*) as pulls
  from jsonb_to_recordset($1::jsonb) as e (ts timestamptz, registry text, repository text, digest text)
  group by e.registry, e.repository, e.digest
),
hits as (
  select t.name, p.pulled, p.pulls
  from pulls p
  join regstat.tags t on t.registry = p.registry and t.repository = p.repository and t.manifest_digest = p.digest
  union all
  select t.name, p.pulled, 0
  from pulls p
  join regstat.manifest_children c on c.child_digest = p.digest
  join regstat.tags t on t.registry = p.registry and t.repository = p.repository and t.manifest_digest = c.parent_digest
),
per_tag as (
  select name, max(pulled) as pulled, sum(pulls) as pulls from hits group by name
),
locked as (
  select t.name from regstat.tags t where t.name in (select name from per_tag) order by t.name for update
)
update regstat.tags t
set pulled = greatest(t.pulled, p.pulled), pull_count = t.pull_count + p.pulls
from per_tag p
where t.name = p.name and t.name in (select name from locked)
