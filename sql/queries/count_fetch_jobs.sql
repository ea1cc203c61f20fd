-- The background manifest fetch queue for /metrics: never tried, tried and waiting to retry, given up.
select
  count(*) filter (where state = 'pending' and attempts = 0) as pending,
  count(*) filter (where state = 'pending' and attempts > 0) as retrying,
  count(*) filter (where state = 'failed') as failed
from regstat.fetch_jobs
