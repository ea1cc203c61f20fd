-- Pushes, pulls (GET; a HEAD is not a pull), mounts and deletes per UTC day, newest day first, over the
-- last $3 days including today. Retention moves expired events into activity_daily in the same statement
-- that deletes them, so each event is in exactly one of the two and the day's count is their sum, even
-- while a day is only partly folded.
-- $1 registry ('' = all), $2 repository prefix, $3 days, $4 the day to start before, $5 page size.
with bounds as (
  select (now() at time zone 'UTC')::date - ($3::int - 1) as first_day,
         least((now() at time zone 'UTC')::date, $4::text::date - 1) as last_day
),
days as (
  select d::date as day
  from bounds, generate_series(bounds.last_day, bounds.first_day, interval '-1 day') as d
  limit $5
),
folded as (
  select a.day,
    sum(a.count) filter (where a.action = 'push') as pushes,
    sum(a.count) filter (where a.action = 'pull') as pulls,
    sum(a.count) filter (where a.action = 'mount') as mounts,
    sum(a.count) filter (where a.action = 'delete') as deletes
  from regstat.activity_daily a
  where a.day between (select min(day) from days) and (select max(day) from days)
    and a.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
    and a.repository collate "C" >= $2::text and a.repository collate "C" < $2::text || chr(1114111)
  group by a.day
),
logged as (
  select (e.ts at time zone 'UTC')::date as day,
    count(*) filter (where e.action = 'push') as pushes,
    count(*) filter (where e.action = 'pull' and e.method is distinct from 'HEAD') as pulls,
    count(*) filter (where e.action = 'mount') as mounts,
    count(*) filter (where e.action = 'delete') as deletes
  from regstat.events e
  where e.ts >= (select min(day) from days)::timestamp at time zone 'UTC'
    and e.ts < ((select max(day) from days) + 1)::timestamp at time zone 'UTC'
    and e.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
    and e.repository collate "C" >= $2::text and e.repository collate "C" < $2::text || chr(1114111)
  group by 1
)
select
  to_char(d.day, 'YYYY-MM-DD') as day,
  coalesce(f.pushes, 0) + coalesce(l.pushes, 0) as pushes,
  coalesce(f.pulls, 0) + coalesce(l.pulls, 0) as pulls,
  coalesce(f.mounts, 0) + coalesce(l.mounts, 0) as mounts,
  coalesce(f.deletes, 0) + coalesce(l.deletes, 0) as deletes,
  jsonb_build_array(to_char(d.day, 'YYYY-MM-DD')) as cursor_key
from days d
left join folded f on f.day = d.day
left join logged l on l.day = d.day
order by d.day desc
