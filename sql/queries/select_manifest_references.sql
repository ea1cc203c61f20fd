-- The references regstat already knows of some manifests ($1: digests): blobs with their media type
-- and size, and child manifests.
select mb.manifest_digest, 'blob' as kind, mb.blob_digest as digest, b.media_type, b.size
from regstat.manifest_blob mb
left join regstat.blobs b on b.digest = mb.blob_digest
where mb.manifest_digest in (select jsonb_array_elements_text($1::jsonb))
union all
select c.parent_digest, 'child', c.child_digest, c.media_type, c.size
from regstat.manifest_children c
where c.parent_digest in (select jsonb_array_elements_text($1::jsonb))
