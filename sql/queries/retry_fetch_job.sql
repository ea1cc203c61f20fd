-- The registry could not answer now ($1: digest, $2: delay in milliseconds, $3: why): try again later.
update regstat.fetch_jobs
set next_attempt = now() + $2 * interval '1 millisecond', last_error = $3, updated = now()
where digest = $1 and state = 'pending'
