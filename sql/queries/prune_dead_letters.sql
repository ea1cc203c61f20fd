-- Retention: deletes up to $2 dead letters received before $1; returns how many.
with expired as (
  select id from regstat.dead_letters
  where received < $1::timestamptz
  order by received
  limit $2
  for update skip locked
), pruned as (
  delete from regstat.dead_letters d
  using expired x
  where d.id = x.id
  returning 1
)
select count(*)::int as pruned from pruned
