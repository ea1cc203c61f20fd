-- Retention: deletes up to $2 events older than $1 (a UTC midnight, so only whole days go); their counts
-- stay in activity_daily, where the ingest put them. Returns how many were deleted.
with expired as (
  select id from regstat.events
  where ts < $1::timestamptz
  order by ts
  limit $2
  for update skip locked
), deleted as (
  delete from regstat.events e using expired x where e.id = x.id returning 1
)
select count(*)::int as pruned from deleted
