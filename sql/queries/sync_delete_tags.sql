-- Tags of a repository the registry no longer lists ($1: registry, $2: repository, $3: the tags it lists,
-- $4: when it was asked) move to deleted_tags, unless an event newer than $4 vouches for them. Each leaves
-- a tombstone dated $4, as a delete by name would: an event older than that, arriving late, does not bring
-- the tag back.
with moved as (
  delete from regstat.tags t
  where t.registry = $1 and t.repository = $2
    and t.tag not in (select jsonb_array_elements_text($3::jsonb))
    and coalesce(t.seen, '-infinity') <= $4::timestamptz
  returning t.*
),
tombstones as (
  insert into regstat.tag_tombstones as tt (name, registry, repository, tag, deleted)
  select name, registry, repository, tag, $4::timestamptz from moved
  order by name
  on conflict (name) do update set deleted = greatest(tt.deleted, excluded.deleted)
)
insert into regstat.deleted_tags as dt
  (name, registry, repository, tag, manifest_digest, pushed, pulled, pull_count, deleted)
select name, registry, repository, tag, manifest_digest, pushed, pulled, pull_count, $4::timestamptz from moved
order by name
on conflict (name) do update set
  registry = excluded.registry, repository = excluded.repository, tag = excluded.tag,
  manifest_digest = excluded.manifest_digest, pushed = excluded.pushed, pulled = excluded.pulled,
  pull_count = excluded.pull_count, deleted = greatest(dt.deleted, excluded.deleted)
returning dt.name
