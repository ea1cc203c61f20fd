-- Per registry, the live tags the not-pulled report lists for 30 and for 90 days (not pulled with GET since
-- then; a never-pulled tag counted from its push), for /metrics.
select
  t.registry,
  count(*) filter (where coalesce(t.pulled, t.pushed) < now() - interval '30 days') as not_pulled_30d,
  count(*) filter (where coalesce(t.pulled, t.pushed) < now() - interval '90 days') as not_pulled_90d
from regstat.tags t
group by t.registry
