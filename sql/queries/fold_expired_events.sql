-- Retention: deletes up to $2 events older than $1 (a UTC midnight, so only whole days go) and adds them
-- to the per-day counts in the same statement; returns how many were folded. A HEAD pull counts as head.
with expired as (
  select id from regstat.events
  where ts < $1::timestamptz
  order by ts
  limit $2
  for update skip locked
), folded as (
  delete from regstat.events e
  using expired x
  where e.id = x.id
  returning e.ts, e.registry, e.repository, e.action, e.method
), counted as (
  insert into regstat.activity_daily (day, registry, repository, action, count)
  select
    (f.ts at time zone 'UTC')::date,
    f.registry,
    f.repository,
    case when f.action = 'pull' and f.method = 'HEAD' then 'head' else f.action end,
    count(*)
  from folded f
  group by 1, 2, 3, 4
  order by 1, 2, 3, 4
  on conflict (day, registry, repository, action) do update
    set count = regstat.activity_daily.count + excluded.count
  returning 1
)
select count(*)::int as folded from folded
