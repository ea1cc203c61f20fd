-- How many blobs the registry holds and their bytes, each blob once: the blobs some repository holds
-- or a manifest references, less those deleted from every repository that held them.
select
  count(*) as blobs,
  coalesce(sum(size), 0) as bytes,
  count(*) filter (where size is null) as blobs_of_unknown_size
from regstat.blobs
