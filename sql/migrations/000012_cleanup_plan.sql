-- The cleanup planner (src/reports/cleanup.ts): what a retention rule deletes, and the bytes a garbage
-- collection gets back once it is applied.

-- What a retention rule deletes in the repositories of a window (registry, repository) from `window_from`
-- to `window_upto` (both included, byte order) that match the registry and repository-prefix filters.
-- One row per tag and per manifest it deletes, and one per tag it keeps:
--   kind 'image'    a tag deleted with the manifest it points at (no kept tag or index needs that manifest)
--   kind 'tag'      a tag deleted alone: another tag or a kept index keeps its manifest
--   kind 'untagged' a manifest no tag reaches, deleted by untagged=true
--   kind 'platform' a platform manifest deleted with its index (no other live manifest of the repository needs it)
--   kind 'kept'     a tag the rule keeps
-- Tags are judged only when `judge_tags`: those matching `tag_pattern` (all when null) are deleted unless
-- one of the keep rules keeps them (keep_tag_pattern, the keep_last most recently pushed of them per
-- repository, pushed or pulled within the given milliseconds). A manifest is deleted when a deleted tag
-- or untagged=true reaches it and nothing kept does: kept tags, and every live manifest the rule does not
-- reach, keep what they reach, through indexes to their platforms. A single SELECT, so PostgreSQL inlines
-- it into the query that calls it and plans it for the window at hand.
create function regstat.cleanup_plan(
  registry_filter text, prefix_filter text,
  window_from_registry text, window_from_repository text, window_upto_registry text, window_upto_repository text,
  judge_tags boolean, tag_pattern text, keep_tag_pattern text, keep_last integer,
  keep_pushed_ms bigint, keep_pulled_ms bigint, untagged boolean)
returns table (
  registry text, repository text, kind text, tag text, digest text,
  pushed timestamptz, pulled timestamptz, pull_count bigint)
language sql stable
as $$
with recursive
live as (
  select rm.registry::text, rm.repository::text, rm.digest::text, rm.pushed, rm.pulled, rm.pull_count
  from regstat.repository_manifests rm
  where rm.deleted is null
    and rm.registry collate "C" between registry_filter and case when registry_filter = '' then chr(1114111) else registry_filter end
    and rm.repository collate "C" >= prefix_filter and rm.repository collate "C" < prefix_filter || chr(1114111)
    and (rm.registry collate "C", rm.repository collate "C") >= (window_from_registry, window_from_repository)
    and (rm.registry collate "C", rm.repository collate "C") <= (window_upto_registry, window_upto_repository)
),
scoped_tags as (
  select t.registry::text, t.repository::text, t.tag::text, t.manifest_digest::text as digest, t.pushed, t.pulled, t.pull_count,
    judge_tags and (tag_pattern is null or t.tag ~ tag_pattern) as judged
  from regstat.tags t
  where t.registry collate "C" between registry_filter and case when registry_filter = '' then chr(1114111) else registry_filter end
    and t.repository collate "C" >= prefix_filter and t.repository collate "C" < prefix_filter || chr(1114111)
    and (t.registry collate "C", t.repository collate "C") >= (window_from_registry, window_from_repository)
    and (t.registry collate "C", t.repository collate "C") <= (window_upto_registry, window_upto_repository)
    and t.manifest_digest is not null
),
decided as (
  select s.registry, s.repository, s.tag, s.digest, s.pushed, s.pulled, s.pull_count,
    s.judged and not (
      coalesce(s.tag ~ keep_tag_pattern, false)
      or coalesce(s.recency <= keep_last, false)
      or coalesce(s.pushed >= now() - keep_pushed_ms * interval '1 millisecond', false)
      or coalesce(s.pulled >= now() - keep_pulled_ms * interval '1 millisecond', false)
    ) as doomed
  from (
    select st.*, row_number() over (
      partition by st.registry, st.repository, st.judged order by st.pushed desc nulls last, st.tag collate "C" desc
    ) as recency
    from scoped_tags st
  ) s
),
-- what each tag reaches in its repository: its manifest and, through indexes, the platforms (as text: a
-- database adopted from the original Go regstat has varchar columns, and a recursive query needs one type)
reached (registry, repository, digest, kept) as (
  select d.registry, d.repository, d.digest, not d.doomed from decided d
  union
  select r.registry, r.repository, c.child_digest::text, r.kept
  from reached r
  join regstat.manifest_children c on c.parent_digest = r.digest
  join live l on l.registry = r.registry and l.repository = r.repository and l.digest = c.child_digest
),
judged_manifests as (
  select l.registry, l.repository, l.digest,
    coalesce(bool_or(r.kept), false) as by_kept_tag,
    coalesce(bool_or(not r.kept), false) as by_doomed_tag,
    count(r.digest) = 0 as unreached
  from live l
  left join reached r on r.registry = l.registry and r.repository = l.repository and r.digest = l.digest
  group by l.registry, l.repository, l.digest
),
candidates as (
  select j.registry, j.repository, j.digest, j.by_kept_tag
  from judged_manifests j
  where j.by_doomed_tag or (untagged and j.unreached)
),
-- everything kept, and what it reaches: a candidate that a kept manifest needs stays
kept (registry, repository, digest) as (
  (
    select j.registry, j.repository, j.digest
    from judged_manifests j
    where j.by_kept_tag or not (j.by_doomed_tag or (untagged and j.unreached))
  )
  union
  select k.registry, k.repository, c.child_digest::text
  from kept k
  join regstat.manifest_children c on c.parent_digest = k.digest
  join live l on l.registry = k.registry and l.repository = k.repository and l.digest = c.child_digest
),
deleted as (
  select c.registry, c.repository, c.digest
  from candidates c
  left join kept k on k.registry = c.registry and k.repository = c.repository and k.digest = c.digest
  where k.digest is null
),
platforms_of_deleted as (
  select distinct d.registry, d.repository, c.child_digest as digest
  from deleted d
  join regstat.manifest_children c on c.parent_digest = d.digest
),
doomed_digests as (
  select distinct d.registry, d.repository, d.digest from decided d where d.doomed
)
select d.registry, d.repository,
  case when not d.doomed then 'kept' when x.digest is null then 'tag' else 'image' end,
  d.tag, d.digest, d.pushed, d.pulled, d.pull_count
from decided d
left join deleted x on d.doomed and x.registry = d.registry and x.repository = d.repository and x.digest = d.digest
union all
select x.registry, x.repository,
  case when p.digest is null then 'untagged' else 'platform' end,
  null, x.digest, l.pushed, l.pulled, l.pull_count
from deleted x
join live l on l.registry = x.registry and l.repository = x.repository and l.digest = x.digest
left join doomed_digests t on t.registry = x.registry and t.repository = x.repository and t.digest = x.digest
left join platforms_of_deleted p on p.registry = x.registry and p.repository = x.repository and p.digest = x.digest
where t.digest is null
$$;

-- What a digest takes in the registry's storage: a manifest's own bytes, else a blob's (0 if unknown).
create function regstat.stored_size(digest text) returns bigint
language sql stable parallel safe
as $$
  select coalesce(
    (select m.size from regstat.manifests m where m.digest = stored_size.digest),
    (select b.size from regstat.blobs b where b.digest = stored_size.digest),
    (select max(c.size) from regstat.manifest_children c where c.child_digest = stored_size.digest),
    0)
$$;

-- The bytes a garbage collection gets back if the given manifests of one repository are deleted, and
-- nothing else. The collector keeps every blob a live manifest of the registry marks: the manifest
-- itself, its config and layers, and for an index its platform manifests. A blob the given manifests
-- mark goes when no other live manifest of the registry (in any repository) marks it. Sizes: a
-- manifest's own bytes, a blob's as the registry reported it. For a few manifests (a row, a repository):
-- each blob is one index probe that stops at the first other manifest marking it. The whole plan's total
-- is cleanup_totals.sql, set-based.
create function regstat.cleanup_reclaimable(registry_name text, repository_name text, digests text[])
returns bigint
language sql stable
as $$
with marked as (
  select g.digest as blob from unnest(digests) as g (digest)
  union
  select mb.blob_digest from regstat.manifest_blob mb where mb.manifest_digest = any(digests)
  union
  select c.child_digest from regstat.manifest_children c where c.parent_digest = any(digests)
)
select coalesce(sum(regstat.stored_size(m.blob)), 0)::bigint
from marked m
where not exists (
    select 1 from regstat.repository_manifests rm
    where rm.digest = m.blob and rm.deleted is null and rm.registry = registry_name
      and not (rm.repository = repository_name and rm.digest = any(digests))
  )
  and not exists (
    select 1
    from regstat.manifest_blob mb
    join regstat.repository_manifests rm on rm.digest = mb.manifest_digest and rm.deleted is null and rm.registry = registry_name
    where mb.blob_digest = m.blob and not (rm.repository = repository_name and rm.digest = any(digests))
  )
  and not exists (
    select 1
    from regstat.manifest_children c
    join regstat.repository_manifests rm on rm.digest = c.parent_digest and rm.deleted is null and rm.registry = registry_name
    where c.child_digest = m.blob and not (rm.repository = repository_name and rm.digest = any(digests))
  )
$$;
