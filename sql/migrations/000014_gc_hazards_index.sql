-- The gc-hazards report's missing blobs (sql/queries/report_gc_hazards.sql): the blobs live manifests
-- name that the registry no longer stores, found in the few blob_refs rows (migration 11) that say so,
-- instead of every live manifest's links checked against regstat.blobs.
create index blob_refs_named_unstored_idx on regstat.blob_refs (digest) where not stored and manifests > 0;
