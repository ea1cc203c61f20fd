-- Once: materialized snapshots of the storage and missing-blobs reports, refreshed in the background.
-- Replaced by the live aggregates of migration 11, which drops what this created on databases that ran it.
select 1;
