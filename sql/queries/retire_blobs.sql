-- Blobs that some repository deleted and none holds any more ($1: digests) move to deleted_blobs.
-- Links from live manifests stay: such a manifest now references a missing blob.
-- `= any(array(...))`, not `in (select ...)`: the planner then probes the index for each digest instead
-- of hashing a scan of the whole table.
with gone as (
  select b.digest, (select max(r.deleted) from regstat.repository_blobs r where r.digest = b.digest) as deleted
  from regstat.blobs b
  where b.digest = any(array(select jsonb_array_elements_text($1::jsonb)))
    and exists (select 1 from regstat.repository_blobs r where r.digest = b.digest and r.deleted is not null)
    and not exists (select 1 from regstat.repository_blobs r where r.digest = b.digest and r.deleted is null)
  order by b.digest
  for update
),
moved as (
  delete from regstat.blobs b using gone g where b.digest = g.digest
  returning b.*, g.deleted
)
insert into regstat.deleted_blobs as d (digest, media_type, size, pushed, pulled, pull_count, deleted)
select digest, media_type, size, pushed, pulled, pull_count, deleted from moved
on conflict (digest) do update set
  media_type = excluded.media_type, size = excluded.size, pushed = excluded.pushed,
  pulled = excluded.pulled, pull_count = excluded.pull_count, deleted = excluded.deleted
