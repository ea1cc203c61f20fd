-- Registry processes and their instances seen in a batch ($1: source_addr, source_instance, registry, ts of
-- its events). An instance new to a process that regstat has seen before is a restart; so is each but the
-- earliest of several new instances of one process in the batch. Returns the instances inserted.
with seen as (
  select e.source_addr, e.source_instance, min(e.registry) as registry, min(e.ts) as first_event
  from jsonb_to_recordset($1::jsonb) as e (source_addr text, source_instance text, registry text, ts timestamptz)
  group by e.source_addr, e.source_instance
),
ranked as (
  select s.*, row_number() over (partition by s.source_addr order by s.first_event, s.source_instance) as nth
  from seen s
  where not exists (
    select 1 from regstat.registry_instances r where r.source_addr = s.source_addr and r.instance_id = s.source_instance
  )
)
insert into regstat.registry_instances (source_addr, instance_id, registry, first_event, restart)
select r.source_addr, r.source_instance, r.registry, r.first_event,
  r.nth > 1 or exists (select 1 from regstat.registry_instances i where i.source_addr = r.source_addr)
from ranked r
order by r.source_addr, r.source_instance
on conflict (source_addr, instance_id) do nothing
returning source_addr, instance_id, registry, first_event, restart
