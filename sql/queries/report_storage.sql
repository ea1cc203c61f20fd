-- Where the bytes are, from the snapshot computed in the background (migration 5, storage_snapshot):
-- deduplicated, summed and untagged bytes as of that refresh. orphaned_bytes: the snapshot's orphaned
-- blobs pushed before the grace period ($1, in milliseconds) as it is now.
select
  s.deduplicated_bytes,
  s.summed_bytes,
  (
    select coalesce(sum(o.size), 0)
    from regstat.orphaned_blobs_snapshot o
    where o.pushed is null or o.pushed < now() - $1::bigint * interval '1 millisecond'
  ) as orphaned_bytes,
  s.untagged_bytes
from regstat.storage_snapshot s
