-- Each repository's bytes at the end of each UTC day over the last $3 days including today, from
-- repository_storage_daily (migration 13), by registry, repository and day (oldest first); a day without a
-- row carries the last one before it, days before its first row are left out. Repositories are walked one
-- index probe each, so a page costs the same at any depth.
-- $1 registry ('' = all), $2 repository prefix, $3 days, $4-$6 the key to start after, $7 page size.
with recursive bounds as (
  select (now() at time zone 'UTC')::date - ($3::int - 1) as first_day, (now() at time zone 'UTC')::date as last_day
),
repos as (
  (
    select h.registry, h.repository
    from regstat.repository_storage_daily h
    where h.registry between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
      and h.repository >= $2::text and h.repository < $2::text || chr(1114111)
      and (h.registry, h.repository) >= ($4::text, $5::text)
    order by h.registry, h.repository
    limit 1
  )
  union all
  select n.registry, n.repository
  from repos r
  cross join lateral (
    select h.registry, h.repository
    from regstat.repository_storage_daily h
    where h.registry between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
      and h.repository >= $2::text and h.repository < $2::text || chr(1114111)
      and (h.registry, h.repository) > (r.registry, r.repository)
    order by h.registry, h.repository
    limit 1
  ) n
),
page as (
  select p.registry, p.repository, d::date as day
  from (select * from repos limit $7) p
  cross join bounds b
  cross join lateral generate_series(
    greatest(b.first_day, (select min(h.day) from regstat.repository_storage_daily h where h.registry = p.registry and h.repository = p.repository)),
    b.last_day, interval '1 day') as d
  where (p.registry, p.repository, d::date) > ($4::text, $5::text, $6::text::date)
  order by 1, 2, 3
  limit $7
)
select
  p.registry, p.repository, to_char(p.day, 'YYYY-MM-DD') as day, h.bytes, h.exclusive_bytes,
  jsonb_build_array(p.registry, p.repository, to_char(p.day, 'YYYY-MM-DD')) as cursor_key
from page p
cross join lateral (
  select s.bytes, s.exclusive_bytes
  from regstat.repository_storage_daily s
  where s.registry = p.registry and s.repository = p.repository and s.day <= p.day
  order by s.day desc
  limit 1
) h
order by p.registry, p.repository, p.day
