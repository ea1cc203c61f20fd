-- Manifests that some repository deleted and none holds any more ($1: digests) move to the deleted_
-- tables with their blob links, children and any tags still pointing at them. `= any(array(...))`, not
-- `in (select ...)`: the planner then probes the index for each digest instead of scanning the table.
with gone as (
  select m.digest, (select max(r.deleted) from regstat.repository_manifests r where r.digest = m.digest) as deleted
  from regstat.manifests m
  where m.digest = any(array(select jsonb_array_elements_text($1::jsonb)))
    and exists (select 1 from regstat.repository_manifests r where r.digest = m.digest and r.deleted is not null)
    and not exists (select 1 from regstat.repository_manifests r where r.digest = m.digest and r.deleted is null)
  order by m.digest
  for update
),
moved_tags as (
  delete from regstat.tags t using gone g where t.manifest_digest = g.digest
  returning t.*, g.deleted
),
saved_tags as (
  insert into regstat.deleted_tags as dt
    (name, registry, repository, tag, manifest_digest, pushed, pulled, pull_count, deleted)
  select name, registry, repository, tag, manifest_digest, pushed, pulled, pull_count, deleted from moved_tags
  on conflict (name) do update set
    manifest_digest = excluded.manifest_digest, pushed = excluded.pushed, pulled = excluded.pulled,
    pull_count = excluded.pull_count, deleted = greatest(dt.deleted, excluded.deleted)
),
moved_links as (
  delete from regstat.manifest_blob mb using gone g where mb.manifest_digest = g.digest
  returning mb.manifest_digest, mb.blob_digest, g.deleted
),
saved_links as (
  insert into regstat.deleted_manifest_blob as d (manifest_digest, blob_digest, deleted)
  select manifest_digest, blob_digest, deleted from moved_links
  on conflict (manifest_digest, blob_digest) do update set deleted = excluded.deleted
),
moved_children as (
  delete from regstat.manifest_children c using gone g where c.parent_digest = g.digest
  returning c.*, g.deleted
),
saved_children as (
  insert into regstat.deleted_manifest_children as d (parent_digest, child_digest, media_type, size, deleted)
  select parent_digest, child_digest, media_type, size, deleted from moved_children
  on conflict (parent_digest, child_digest) do update set deleted = excluded.deleted
),
moved as (
  delete from regstat.manifests m using gone g where m.digest = g.digest
  returning m.*, g.deleted
)
insert into regstat.deleted_manifests as d (digest, media_type, size, pushed, pulled, pull_count, deleted)
select digest, media_type, size, pushed, pulled, pull_count, deleted from moved
on conflict (digest) do update set
  media_type = excluded.media_type, size = excluded.size, pushed = excluded.pushed,
  pulled = excluded.pulled, pull_count = excluded.pull_count, deleted = excluded.deleted
