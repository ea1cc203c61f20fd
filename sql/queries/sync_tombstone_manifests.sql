-- Manifests a repository no longer holds by the registry's own answer ($1: registry, $2: repository,
-- $3: digests, $4: when it was asked) get a tombstone, unless an event newer than $4 vouches for them.
update regstat.repository_manifests r
set deleted = $4::timestamptz
where r.registry = $1 and r.repository = $2
  and r.digest in (select jsonb_array_elements_text($3::jsonb))
  and r.deleted is null
  and coalesce(greatest(r.pushed, r.pulled), '-infinity') <= $4::timestamptz
returning r.digest
