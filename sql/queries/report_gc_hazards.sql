-- What a garbage collection would break, per repository:
--   untagged_platform: a platform manifest no tag names, listed by a tagged live index. Distribution 2.x's
--     `garbage-collect --delete-untagged` deletes it, and the index stops pulling on that platform.
--   missing_blob: a live manifest naming a blob the registry no longer stores (regstat.blobs: deleted from
--     every repository that held it, or never seen): the image does not pull.
-- $1 registry ('' = all), $2 repository prefix, $3-$7 the key to start after, $8 page size.
with untagged_platforms as (
  -- the live manifests walked in key order (repository_manifests_report_live_idx), each probed for platforms,
  -- until a page is found: a page costs what the manifests before it do, not every index of the registry
  select ix.registry, ix.repository, 'untagged_platform' as hazard, ix.digest, c.child_digest as reference
  from regstat.repository_manifests ix
  cross join lateral (
    select c.child_digest from regstat.manifest_children c
    where c.parent_digest = ix.digest
      and exists (
        select 1 from regstat.repository_manifests p
        where p.registry = ix.registry and p.repository = ix.repository and p.digest = c.child_digest and p.deleted is null
      )
      -- c.parent_digest (= ix.digest): checked only for an index, not for every manifest walked
      and exists (select 1 from regstat.tags t where t.manifest_digest = c.parent_digest and t.registry = ix.registry and t.repository = ix.repository)
      and not exists (select 1 from regstat.tags t where t.manifest_digest = c.child_digest and t.registry = ix.registry and t.repository = ix.repository)
  ) c
  where ix.deleted is null
    and ix.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
    and ix.repository collate "C" >= $2::text and ix.repository collate "C" < $2::text || chr(1114111)
    and (ix.registry collate "C", ix.repository collate "C", ix.digest collate "C") >= ($3::text, $4::text, $5::text)
    and (ix.registry collate "C", ix.repository collate "C", ix.digest collate "C", c.child_digest collate "C", 'untagged_platform' collate "C")
      > ($3::text, $4::text, $5::text, $6::text, $7::text)
  order by ix.registry collate "C", ix.repository collate "C", ix.digest collate "C", c.child_digest collate "C"
  limit $8
),
-- from the few blob_refs rows (migration 11) saying a manifest in use names a blob no row of regstat.blobs
-- stores (blob_refs_named_unstored_idx, migration 14), not every live manifest's links
missing_blobs as (
  select rm.registry, rm.repository, 'missing_blob' as hazard, rm.digest, mb.blob_digest as reference
  from regstat.blob_refs br
  join regstat.manifest_blob mb on mb.blob_digest = br.digest
  join regstat.repository_manifests rm on rm.digest = mb.manifest_digest and rm.deleted is null
  where not br.stored and br.manifests > 0
    and rm.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
    and rm.repository collate "C" >= $2::text and rm.repository collate "C" < $2::text || chr(1114111)
    and (rm.registry collate "C", rm.repository collate "C", rm.digest collate "C", mb.blob_digest collate "C", 'missing_blob' collate "C")
      > ($3::text, $4::text, $5::text, $6::text, $7::text)
)
select h.registry, h.repository, h.hazard, h.digest, h.reference,
  jsonb_build_array(h.registry, h.repository, h.digest, h.reference, h.hazard) as cursor_key
from (select * from untagged_platforms union all select * from missing_blobs) h
order by h.registry collate "C", h.repository collate "C", h.digest collate "C", h.reference collate "C", h.hazard collate "C"
limit $8
