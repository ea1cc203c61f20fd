-- The registry answered for good that this manifest cannot be read ($1: digest, $2: why).
update regstat.fetch_jobs
set state = 'failed', last_error = $2, updated = now()
where digest = $1
