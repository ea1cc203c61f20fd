-- The manifest's references are recorded ($1: digest).
update regstat.fetch_jobs
set state = 'done', last_error = null, updated = now()
where digest = $1
