-- Pushes, pulls (GET; a HEAD is not a pull), mounts and deletes per UTC day, newest day first, over the
-- last $3 days including today, from the per-day counts the ingest keeps as it stores each event
-- (migration 4): per registry when no repository prefix is given, else per repository. The event log
-- is not read, so the answer costs the same whatever its size, and outlives its retention.
-- $1 registry ('' = all), $2 repository prefix ('' = all), $3 days, $4 the day to start before, $5 page size.
with bounds as (
  select (now() at time zone 'UTC')::date - ($3::int - 1) as first_day,
         least((now() at time zone 'UTC')::date, $4::text::date - 1) as last_day
),
days as (
  select d::date as day
  from bounds, generate_series(bounds.last_day, bounds.first_day, interval '-1 day') as d
  limit $5
),
counted as (
  select r.day, r.action, r.count
  from regstat.activity_daily_registry r
  where $2::text = ''
    and r.day between (select min(day) from days) and (select max(day) from days)
    and r.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
  union all
  select a.day, a.action, a.count
  from regstat.activity_daily a
  where $2::text <> ''
    and a.day between (select min(day) from days) and (select max(day) from days)
    and a.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
    and a.repository collate "C" >= $2::text and a.repository collate "C" < $2::text || chr(1114111)
),
per_day as (
  select c.day,
    sum(c.count) filter (where c.action = 'push') as pushes,
    sum(c.count) filter (where c.action = 'pull') as pulls,
    sum(c.count) filter (where c.action = 'mount') as mounts,
    sum(c.count) filter (where c.action = 'delete') as deletes
  from counted c
  group by c.day
)
select
  to_char(d.day, 'YYYY-MM-DD') as day,
  coalesce(p.pushes, 0) as pushes,
  coalesce(p.pulls, 0) as pulls,
  coalesce(p.mounts, 0) as mounts,
  coalesce(p.deletes, 0) as deletes,
  jsonb_build_array(to_char(d.day, 'YYYY-MM-DD')) as cursor_key
from days d
left join per_day p on p.day = d.day
order by d.day desc
