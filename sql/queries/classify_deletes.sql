-- A delete names a digest, not what it is ($1: ids of deletes by digest): a manifest or a blob, decided
-- by what regstat knows of that digest anywhere; 'unknown' when it never saw it. The decision is kept in
-- the event log and returned. Each table is asked with a scalar subquery rather than exists (...), which
-- the planner may answer by hashing the whole table: a scalar subquery probes the index once per delete.
update regstat.events e
set kind = case
  when coalesce(
    (select true from regstat.manifests m where m.digest = e.digest),
    (select true from regstat.repository_manifests r where r.digest = e.digest limit 1),
    (select true from regstat.deleted_manifests d where d.digest = e.digest)
  ) then 'manifest'
  when coalesce(
    (select true from regstat.blobs b where b.digest = e.digest),
    (select true from regstat.repository_blobs r where r.digest = e.digest limit 1),
    (select true from regstat.deleted_blobs d where d.digest = e.digest)
  ) then 'blob'
  else 'unknown'
end
where e.id = any(array(select jsonb_array_elements_text($1::jsonb)))
returning e.id, e.kind
