-- Finished fetch jobs (done or failed) are pruned a week after they finished (prune_fetch_jobs.sql); this
-- index finds them, and lets /metrics count the failed ones without reading the done ones.
create index fetch_jobs_finished_idx on regstat.fetch_jobs (state, updated) where state <> 'pending';

-- An event dated more than 5 minutes after regstat received it (a registry whose clock runs ahead, or a
-- forged timestamp) is stored at its receipt time; the time it gave is kept here. Null for every other event.
alter table regstat.events add column clamped_from timestamptz;
