-- Counts newly stored events ($1: their ts, registry, repository, action, method) into the per-day
-- activity, per repository and per registry. A HEAD pull counts as head, and a pull regstat does not count
-- (its own, or an ignored user agent's) as uncounted: neither is a pull.
with counted as (
  select
    (e.ts at time zone 'UTC')::date as day,
    e.registry,
    e.repository,
    case
      when e.action = 'pull' and e.uncounted is not null then 'uncounted'
      when e.action = 'pull' and e.method = 'HEAD' then 'head'
      else e.action
    end as action,
    count(*) as count
  from jsonb_to_recordset($1::jsonb) as e (ts timestamptz, registry text, repository text, action text, method text, uncounted text)
  group by 1, 2, 3, 4
),
per_registry as (
  insert into regstat.activity_daily_registry as a (day, registry, action, count)
  select day, registry, action, sum(count) from counted group by 1, 2, 3 order by 1, 2, 3
  on conflict (day, registry, action) do update set count = a.count + excluded.count
)
insert into regstat.activity_daily as a (day, registry, repository, action, count)
select day, registry, repository, action, count from counted order by 1, 2, 3, 4
on conflict (day, registry, repository, action) do update set count = a.count + excluded.count
