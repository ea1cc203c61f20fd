-- The bytes of an image, in one place for every report that shows it: its manifest, its children (an
-- index's platforms) and every blob they reference, each blob once within the image (platforms share
-- layers). One index probe per blob, so that a page of images never hashes the whole blobs table.
create function regstat.image_size(manifest text) returns bigint
language sql stable parallel safe
as $$
  select coalesce((select m.size from regstat.manifests m where m.digest = manifest), 0)
    + coalesce((select sum(c.size) from regstat.manifest_children c where c.parent_digest = manifest), 0)
    + coalesce((
        select sum((select b.size from regstat.blobs b where b.digest = x.blob_digest))
        from (
          select mb.blob_digest from regstat.manifest_blob mb where mb.manifest_digest = manifest
          union
          select mb.blob_digest
          from regstat.manifest_children c
          join regstat.manifest_blob mb on mb.manifest_digest = c.child_digest
          where c.parent_digest = manifest
        ) x
      ), 0)
$$;
