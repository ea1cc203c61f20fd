-- regstat check: each figure the settle keeps (migration 11) against the same figure computed from scratch
-- by the expected_* views, in plain SQL. One row per difference: the table, the row's key, the row as kept
-- and as expected (null: no such row). Notes left by a committed transaction are a difference too.
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
select 'pending', jsonb_build_object('txid', txid), null, null from regstat.pending_settle
order by 1, 2
