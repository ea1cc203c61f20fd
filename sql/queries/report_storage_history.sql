-- The storage figures at the end of each UTC day over the last $1 days including today, newest first, from
-- storage_daily (migration 13): a day without a row had no change, so it carries the last day before it
-- that has one; days before regstat recorded anything are null. Today's row is the figures now.
-- $1 days, $2 the day to start before, $3 page size.
with bounds as (
  select (now() at time zone 'UTC')::date - ($1::int - 1) as first_day,
         least((now() at time zone 'UTC')::date, $2::text::date - 1) as last_day
),
days as (
  select d::date as day
  from bounds, generate_series(bounds.last_day, bounds.first_day, interval '-1 day') as d
  limit $3
)
select
  to_char(d.day, 'YYYY-MM-DD') as day,
  h.deduplicated_bytes, h.orphaned_bytes, h.untagged_bytes, h.summed_bytes, h.images, h.repositories,
  jsonb_build_array(to_char(d.day, 'YYYY-MM-DD')) as cursor_key
from days d
left join lateral (
  select s.* from regstat.storage_daily s where s.day <= d.day order by s.day desc limit 1
) h on true
order by d.day desc
