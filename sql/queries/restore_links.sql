-- A manifest pushed again without references ($1: the manifest events that came without references) had its links moved to the deleted_
-- tables when it was last deleted. A digest names its content, so those links are still true.
with known as (
  select distinct e.digest
  from jsonb_to_recordset($1::jsonb) as e (digest text)
  where exists (select 1 from regstat.manifests m where m.digest = e.digest)
    and not exists (select 1 from regstat.manifest_blob mb where mb.manifest_digest = e.digest)
    and not exists (select 1 from regstat.manifest_children mc where mc.parent_digest = e.digest)
),
children as (
  insert into regstat.manifest_children (parent_digest, child_digest, media_type, size)
  select d.parent_digest, d.child_digest, d.media_type, d.size
  from regstat.deleted_manifest_children d join known k on k.digest = d.parent_digest
  order by 1, 2
  on conflict do nothing
)
insert into regstat.manifest_blob (manifest_digest, blob_digest)
select d.manifest_digest, d.blob_digest
from regstat.deleted_manifest_blob d join known k on k.digest = d.manifest_digest
order by 1, 2
on conflict do nothing
