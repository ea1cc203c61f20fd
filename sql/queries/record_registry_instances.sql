-- Registry processes and their instances seen in a batch ($1: source_addr, source_instance, registry, ts of
-- its events). An instance new to a process that regstat has seen before is a restart; so is each but the
-- earliest of several new instances of one process in the batch. An instance recorded already (by another
-- regstat process, say) keeps the earlier first event. Returns the instances written; `restart` only where
-- this statement inserted the row.
with seen as (
  select e.source_addr, e.source_instance, min(e.registry) as registry, min(e.ts) as first_event
  from jsonb_to_recordset($1::jsonb) as e (source_addr text, source_instance text, registry text, ts timestamptz)
  group by e.source_addr, e.source_instance
),
ranked as (
  select s.*, r.instance_id is null as new,
    row_number() over (partition by s.source_addr, r.instance_id is null order by s.first_event, s.source_instance) as nth
  from seen s
  left join regstat.registry_instances r on r.source_addr = s.source_addr and r.instance_id = s.source_instance
)
insert into regstat.registry_instances as i (source_addr, instance_id, registry, first_event, restart)
select r.source_addr, r.source_instance, r.registry, r.first_event,
  r.new and (r.nth > 1 or exists (select 1 from regstat.registry_instances o where o.source_addr = r.source_addr))
from ranked r
order by r.source_addr, r.source_instance
on conflict (source_addr, instance_id) do update set first_event = least(i.first_event, excluded.first_event)
returning i.source_addr, i.instance_id, i.registry, i.first_event, i.restart and i.xmax = 0 as restart
