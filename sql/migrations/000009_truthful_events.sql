-- A pull kept in the event log but counted nowhere: 'regstat' for regstat's own requests (its fetch worker and
-- sync say User-Agent regstat/<version>), 'ignored' for a user agent matched by --ignore-pulls-from.
alter table regstat.events add column uncounted text check (uncounted in ('regstat', 'ignored'));

-- Every registry process (source.addr) and each of its lives (source.instanceID): a new instance of a known
-- process is a restart, and the events it had not delivered were lost with it.
create table regstat.registry_instances (
  source_addr text not null,
  instance_id text not null,
  registry text not null,
  first_event timestamptz not null,
  detected timestamptz not null default now(),
  restart boolean not null,
  primary key (source_addr, instance_id)
);
create index registry_instances_registry_idx on regstat.registry_instances (registry, first_event);

-- The last reconciliation of each registry (regstat sync, or the server's own after a restart).
create table regstat.registry_syncs (
  registry text primary key,
  url text not null,
  started timestamptz not null,
  finished timestamptz not null,
  errors integer not null
);
