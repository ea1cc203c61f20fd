-- Takes up to $1 due fetch jobs and leases them for $2 milliseconds: the lease, not a held lock, keeps
-- other workers off while the registry is asked, and a worker that dies leaves its jobs due again.
update regstat.fetch_jobs j
set attempts = j.attempts + 1,
    next_attempt = now() + $2 * interval '1 millisecond',
    updated = now()
where j.digest in (
  select digest from regstat.fetch_jobs
  where state = 'pending' and next_attempt <= now()
  order by next_attempt, digest
  limit $1
  for update skip locked
)
returning j.digest, j.registry, j.repository, j.url, j.attempts
