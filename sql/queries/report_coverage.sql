-- Since when regstat has been watching each registry, $1 ('' = all): its first event (from the first instance
-- of its processes regstat saw), its last reconciliation, and the restarts that lost events since.
with registries as (
  select registry from regstat.registry_instances
  union
  select registry from regstat.registry_syncs
)
select
  r.registry,
  (select min(i.first_event) from regstat.registry_instances i where i.registry = r.registry) as first_event,
  s.started as last_sync,
  s.errors as last_sync_errors,
  (select count(*) from regstat.registry_instances i where i.registry = r.registry and i.restart) as restarts,
  (select max(i.first_event) from regstat.registry_instances i where i.registry = r.registry and i.restart) as last_restart,
  coalesce(
    (select max(i.first_event) from regstat.registry_instances i where i.registry = r.registry and i.restart) > s.started,
    (select bool_or(i.restart) from regstat.registry_instances i where i.registry = r.registry) and s.started is null,
    false
  ) as events_lost_since_sync
from registries r
left join regstat.registry_syncs s on s.registry = r.registry
where $1::text = '' or r.registry = $1::text
order by r.registry collate "C"
