-- What a garbage collection would break, per repository:
--   untagged_platform: a platform manifest no tag names, listed by a tagged live index. Distribution 2.x's
--     `garbage-collect --delete-untagged` deletes it, and the index stops pulling on that platform.
--   missing_blob: a live manifest naming a blob the registry no longer stores (regstat.blobs: deleted from
--     every repository that held it, or never seen): the image does not pull.
-- $1 registry ('' = all), $2 repository prefix, $3-$7 the key to start after, $8 page size.
with hazards as (
  select ix.registry, ix.repository, 'untagged_platform' as hazard, ix.digest, c.child_digest as reference
  from regstat.repository_manifests ix
  join regstat.manifest_children c on c.parent_digest = ix.digest
  join regstat.repository_manifests p
    on p.registry = ix.registry and p.repository = ix.repository and p.digest = c.child_digest and p.deleted is null
  where ix.deleted is null
    and exists (select 1 from regstat.tags t where t.registry = ix.registry and t.repository = ix.repository and t.manifest_digest = ix.digest)
    and not exists (select 1 from regstat.tags t where t.registry = ix.registry and t.repository = ix.repository and t.manifest_digest = c.child_digest)
  union all
  -- from the few blob_refs rows (migration 11) saying a manifest in use names a blob no row of regstat.blobs
  -- stores (blob_refs_named_unstored_idx, migration 14), not every live manifest's links
  select rm.registry, rm.repository, 'missing_blob', rm.digest, mb.blob_digest
  from regstat.blob_refs br
  join regstat.manifest_blob mb on mb.blob_digest = br.digest
  join regstat.repository_manifests rm on rm.digest = mb.manifest_digest and rm.deleted is null
  where not br.stored and br.manifests > 0
)
select h.registry, h.repository, h.hazard, h.digest, h.reference,
  jsonb_build_array(h.registry, h.repository, h.digest, h.reference, h.hazard) as cursor_key
from hazards h
where h.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
  and h.repository collate "C" >= $2::text and h.repository collate "C" < $2::text || chr(1114111)
  and (h.registry collate "C", h.repository collate "C", h.digest collate "C", h.reference collate "C", h.hazard collate "C")
    > ($3::text, $4::text, $5::text, $6::text, $7::text)
order by h.registry collate "C", h.repository collate "C", h.digest collate "C", h.reference collate "C", h.hazard collate "C"
limit $8
