-- Where the bytes are, live: the registry-wide totals kept by every transaction that changes what the
-- registry holds (migration 11, registry_totals). orphaned_bytes leaves out the orphaned blobs pushed within
-- the grace ($1, in milliseconds), found by their push time: a few rows, whatever the size of the registry.
select
  t.deduplicated_bytes,
  t.summed_bytes,
  t.orphaned_bytes - coalesce((
    select sum(b.size)
    from regstat.blobs b
    join regstat.blob_refs r on r.digest = b.digest
    where b.pushed >= now() - $1::bigint * interval '1 millisecond' and r.stored and r.manifests = 0
  ), 0) as orphaned_bytes,
  t.untagged_bytes
from regstat.registry_totals t
