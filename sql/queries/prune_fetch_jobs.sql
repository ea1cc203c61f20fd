-- Retention: deletes up to $2 fetch jobs that finished (done or failed) before $1; returns how many. A
-- pending job is the queue itself and is never pruned; a manifest pushed again is queued afresh.
with finished as (
  select digest from regstat.fetch_jobs
  where state in ('done', 'failed') and updated < $1::timestamptz
  order by state, updated
  limit $2
  for update skip locked
), pruned as (
  delete from regstat.fetch_jobs j using finished f where j.digest = f.digest returning 1
)
select count(*)::int as pruned from pruned
