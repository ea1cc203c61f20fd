-- The background manifest fetch queue for /metrics: never tried, tried and waiting to retry, given up. Each
-- part is read through a partial index (fetch_jobs_due_idx, fetch_jobs_finished_idx), never the done jobs.
select
  count(*) filter (where attempts = 0) as pending,
  count(*) filter (where attempts > 0) as retrying,
  (select count(*) from regstat.fetch_jobs where state = 'failed') as failed
from regstat.fetch_jobs
where state = 'pending'
