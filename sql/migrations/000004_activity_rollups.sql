-- Per-day counts are now kept as events arrive, not when retention prunes them, so the activity report
-- reads a few rows a day instead of every event. activity_daily_registry is the same per registry, for
-- the report over a whole registry. Events still in the log were not counted yet: count them now.
create table regstat.activity_daily_registry (
  day date not null,
  registry text not null,
  action text not null,
  count bigint not null,
  primary key (day, registry, action)
);

insert into regstat.activity_daily as a (day, registry, repository, action, count)
select
  (e.ts at time zone 'UTC')::date,
  e.registry,
  e.repository,
  case when e.action = 'pull' and e.method = 'HEAD' then 'head' else e.action end,
  count(*)
from regstat.events e
group by 1, 2, 3, 4
on conflict (day, registry, repository, action) do update set count = a.count + excluded.count;

insert into regstat.activity_daily_registry (day, registry, action, count)
select day, registry, action, sum(count) from regstat.activity_daily group by 1, 2, 3;

-- Retention prunes dead letters by age.
create index dead_letters_received_idx on regstat.dead_letters (received);
