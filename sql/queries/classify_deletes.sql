-- A delete names a digest, not what it is ($1: ids of deletes by digest): a manifest or a blob, decided
-- by what regstat knows of that digest anywhere; 'unknown' when it never saw it. The decision is kept in
-- the event log and returned. The ids are matched with `= any(array(...))` so that the planner expects a
-- few rows and probes each table's index, rather than hashing a scan of all six tables.
update regstat.events e
set kind = case
  when exists (select 1 from regstat.manifests m where m.digest = e.digest)
    or exists (select 1 from regstat.repository_manifests r where r.digest = e.digest)
    or exists (select 1 from regstat.deleted_manifests d where d.digest = e.digest)
    then 'manifest'
  when exists (select 1 from regstat.blobs b where b.digest = e.digest)
    or exists (select 1 from regstat.repository_blobs r where r.digest = e.digest)
    or exists (select 1 from regstat.deleted_blobs d where d.digest = e.digest)
    then 'blob'
  else 'unknown'
end
where e.id = any(array(select jsonb_array_elements_text($1::jsonb)))
returning e.id, e.kind
