-- regstat check: each figure the settle keeps (migrations 11 and 18) against the same figure computed from
-- scratch by the expected_* views, in plain SQL. One row per difference: the table, the row's key, the row as
-- kept and as expected (null: no such row). Notes left by a committed transaction are a difference too.
select 'registry_totals' as figure, '{}'::jsonb as key, to_jsonb(a) as kept, to_jsonb(e) as expected
from regstat.registry_totals a full join regstat.expected_registry_totals e on e.id = a.id
where to_jsonb(a) is distinct from to_jsonb(e)
union all
select 'manifest_refs', jsonb_build_object('digest', coalesce(a.digest, e.digest)), to_jsonb(a), to_jsonb(e)
from regstat.manifest_refs a full join regstat.expected_manifest_refs e on e.digest = a.digest
where to_jsonb(a) is distinct from to_jsonb(e)
union all
select 'blob_refs', jsonb_build_object('digest', coalesce(a.digest, e.digest)), to_jsonb(a), to_jsonb(e)
from regstat.blob_refs a full join regstat.expected_blob_refs e on e.digest = a.digest
where to_jsonb(a) is distinct from to_jsonb(e)
union all
select 'repository_refs',
  jsonb_build_object('registry', coalesce(a.registry, e.registry), 'repository', coalesce(a.repository, e.repository),
    'kind', coalesce(a.kind, e.kind), 'digest', coalesce(a.digest, e.digest)),
  to_jsonb(a), to_jsonb(e)
from regstat.repository_refs a
full join regstat.expected_repository_refs e
  on e.registry = a.registry and e.repository = a.repository and e.kind = a.kind and e.digest = a.digest
where to_jsonb(a) is distinct from to_jsonb(e)
union all
select 'repository_storage',
  jsonb_build_object('registry', coalesce(a.registry, e.registry), 'repository', coalesce(a.repository, e.repository)),
  to_jsonb(a), to_jsonb(e)
from regstat.repository_storage a
full join regstat.expected_repository_storage e on e.registry = a.registry and e.repository = a.repository
where to_jsonb(a) is distinct from to_jsonb(e)
union all
select 'missing_blobs', coalesce(to_jsonb(a), to_jsonb(e)), to_jsonb(a), to_jsonb(e)
from regstat.missing_blobs a
full join regstat.expected_missing_blobs e
  on e.registry = a.registry and e.repository = a.repository and e.digest = a.digest and e.manifest = a.manifest and e.blob = a.blob
where a.registry is null or e.registry is null
union all
-- the marks a garbage collection finds (migration 18)
select 'registry_marks', jsonb_build_object('registry', coalesce(a.registry, e.registry), 'digest', coalesce(a.digest, e.digest)),
  to_jsonb(a), to_jsonb(e)
from regstat.registry_marks a
full join regstat.expected_registry_marks e on e.registry = a.registry and e.digest = a.digest
where to_jsonb(a) is distinct from to_jsonb(e)
union all
select 'pending', jsonb_build_object('txid', txid), null, null from regstat.pending_settle
union all
-- the storage history (migration 13): its counts and its last rows against the live figures, themselves
-- checked against their recomputation above
select 'storage_counts', '{}'::jsonb, to_jsonb(a), to_jsonb(e)
from regstat.storage_counts a
full join (
  select true as id,
    (select count(*) from regstat.manifest_refs r where r.tags > 0) as images,
    (select count(*) from regstat.repository_storage s where s.bytes <> 0 or s.exclusive_bytes <> 0) as repositories
) e on e.id = a.id
where to_jsonb(a) is distinct from to_jsonb(e)
union all
-- one-row tables read as scalars: a join of them, never analyzed, is estimated at a million rows, and the
-- whole check would be compiled just in time (a second or more) for it
select 'storage_daily', '{}'::jsonb, kept, expected
from (
  select
    (select to_jsonb(h) from (
      select d.deduplicated_bytes, d.orphaned_bytes, d.untagged_bytes, d.summed_bytes, d.images, d.repositories
      from regstat.storage_daily d order by d.day desc limit 1) h) as kept,
    (select to_jsonb(f) from (
      select t.deduplicated_bytes, t.orphaned_bytes, t.untagged_bytes, t.summed_bytes,
        (select c.images from regstat.storage_counts c) as images, (select c.repositories from regstat.storage_counts c) as repositories
      from regstat.registry_totals t) f) as expected
) x
where kept is distinct from expected
  -- a database that never held anything has no history yet
  and not (kept is null and expected = jsonb_build_object('deduplicated_bytes', 0, 'orphaned_bytes', 0,
    'untagged_bytes', 0, 'summed_bytes', 0, 'images', 0, 'repositories', 0))
union all
select 'repository_storage_daily',
  jsonb_build_object('registry', coalesce(a.registry, e.registry), 'repository', coalesce(a.repository, e.repository)),
  to_jsonb(a), to_jsonb(e)
from (
  select distinct on (h.registry, h.repository) h.registry, h.repository, h.bytes, h.exclusive_bytes
  from regstat.repository_storage_daily h
  order by h.registry, h.repository, h.day desc
) a
full join (
  select s.registry, s.repository, s.bytes, s.exclusive_bytes from regstat.repository_storage s
  where s.bytes <> 0 or s.exclusive_bytes <> 0
) e on e.registry = a.registry and e.repository = a.repository
-- an emptied repository's last row says 0 bytes
where to_jsonb(a) is distinct from to_jsonb(e) and not (e.registry is null and a.bytes = 0 and a.exclusive_bytes = 0)
union all
-- the registries report's counts (migration 19)
select 'registry_tagged', jsonb_build_object('registry', coalesce(a.registry, e.registry), 'digest', coalesce(a.digest, e.digest)),
  to_jsonb(a), to_jsonb(e)
from regstat.registry_tagged a full join regstat.expected_registry_tagged e on e.registry = a.registry and e.digest = a.digest
where to_jsonb(a) is distinct from to_jsonb(e)
union all
select 'registry_repositories', coalesce(to_jsonb(a), to_jsonb(e)), to_jsonb(a), to_jsonb(e)
from regstat.registry_repositories a
full join regstat.expected_registry_repositories e on e.registry = a.registry and e.repository = a.repository
where a.registry is null or e.registry is null
union all
select 'registry_counts', jsonb_build_object('registry', coalesce(a.registry, e.registry)), to_jsonb(a), to_jsonb(e)
from regstat.registry_counts a full join regstat.expected_registry_counts e on e.registry = a.registry
where to_jsonb(a) is distinct from to_jsonb(e)
union all
select 'pending', jsonb_build_object('txid', txid), null, null from regstat.pending_registry_counts
order by 1, 2
