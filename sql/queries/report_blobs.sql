-- How many blobs the registry holds and their bytes, each blob once: the blobs some repository holds
-- or a manifest references, less those deleted from every repository that held them. Kept live in
-- registry_totals (migration 11).
select blobs, blob_bytes as bytes, blobs_of_unknown_size from regstat.registry_totals
