-- Times become timestamptz. The original stored UTC wall-clock times without a zone.
alter table regstat.blobs
  alter column pushed type timestamptz using pushed at time zone 'UTC',
  alter column pulled type timestamptz using pulled at time zone 'UTC';
alter table regstat.manifests
  alter column pushed type timestamptz using pushed at time zone 'UTC',
  alter column pulled type timestamptz using pulled at time zone 'UTC';
alter table regstat.tags
  alter column pushed type timestamptz using pushed at time zone 'UTC',
  alter column pulled type timestamptz using pulled at time zone 'UTC';
alter table regstat.deleted_blobs
  alter column pushed type timestamptz using pushed at time zone 'UTC',
  alter column pulled type timestamptz using pulled at time zone 'UTC',
  alter column deleted type timestamptz using deleted at time zone 'UTC';
alter table regstat.deleted_manifests
  alter column pushed type timestamptz using pushed at time zone 'UTC',
  alter column pulled type timestamptz using pulled at time zone 'UTC',
  alter column deleted type timestamptz using deleted at time zone 'UTC';
alter table regstat.deleted_tags
  alter column pushed type timestamptz using pushed at time zone 'UTC',
  alter column pulled type timestamptz using pulled at time zone 'UTC',
  alter column deleted type timestamptz using deleted at time zone 'UTC';

alter table regstat.blobs
  add column if not exists media_type text,
  add column if not exists size bigint,
  add column if not exists pull_count bigint not null default 0;
alter table regstat.manifests
  add column if not exists media_type text,
  add column if not exists size bigint,
  add column if not exists pull_count bigint not null default 0;
alter table regstat.tags
  add column if not exists pull_count bigint not null default 0;
alter table regstat.deleted_blobs
  add column if not exists media_type text,
  add column if not exists size bigint,
  add column if not exists pull_count bigint not null default 0;
alter table regstat.deleted_manifests
  add column if not exists media_type text,
  add column if not exists size bigint,
  add column if not exists pull_count bigint not null default 0;
alter table regstat.deleted_manifest_blob
  add column if not exists deleted timestamptz;
alter table regstat.deleted_tags
  add column if not exists pull_count bigint not null default 0;

-- A live manifest may reference a blob that has been deleted: that is a fact to report (missing blobs),
-- not one to refuse. The original's foreign key from manifest_blob to blobs would refuse it.
do $$
declare fk name;
begin
  for fk in
    select conname from pg_constraint
    where conrelid = 'regstat.manifest_blob'::regclass and confrelid = 'regstat.blobs'::regclass and contype = 'f'
  loop
    execute format('alter table regstat.manifest_blob drop constraint %I', fk);
  end loop;
end $$;

create index if not exists tags_manifest_digest_idx on regstat.tags (manifest_digest);
create index if not exists tags_repository_idx on regstat.tags (registry, repository, tag);

-- The children of a Docker manifest list or OCI index.
create table regstat.manifest_children (
  parent_digest text not null references regstat.manifests (digest),
  child_digest text not null,
  media_type text,
  size bigint,
  primary key (parent_digest, child_digest)
);
create index manifest_children_child_digest_idx on regstat.manifest_children (child_digest);

create table regstat.deleted_manifest_children (
  parent_digest text not null,
  child_digest text not null,
  media_type text,
  size bigint,
  deleted timestamptz,
  primary key (parent_digest, child_digest)
);

-- Which repositories hold a manifest or blob. A row whose `deleted` is set is a tombstone: the
-- repository deleted it, and an older event arriving late must not bring it back.
create table regstat.repository_manifests (
  registry text not null,
  repository text not null,
  digest text not null,
  pushed timestamptz,
  pulled timestamptz,
  pull_count bigint not null default 0,
  deleted timestamptz,
  primary key (registry, repository, digest)
);
create index repository_manifests_digest_idx on regstat.repository_manifests (digest);

create table regstat.repository_blobs (
  registry text not null,
  repository text not null,
  digest text not null,
  pushed timestamptz,
  pulled timestamptz,
  pull_count bigint not null default 0,
  deleted timestamptz,
  primary key (registry, repository, digest)
);
create index repository_blobs_digest_idx on regstat.repository_blobs (digest);

-- Every digest a tag has pointed at, and when.
create table regstat.tag_history (
  name text not null,
  registry text not null,
  repository text not null,
  tag text not null,
  manifest_digest text not null,
  pushed timestamptz not null,
  primary key (name, pushed, manifest_digest)
);

-- Every accepted event, as the registry described it.
create table regstat.events (
  id text primary key,
  ts timestamptz not null,
  received timestamptz not null default now(),
  action text not null,
  kind text,
  registry text not null,
  repository text not null,
  digest text,
  tag text,
  media_type text,
  size bigint,
  method text,
  from_repository text,
  refs jsonb,
  url text,
  actor text,
  user_agent text,
  source_addr text,
  source_instance text,
  request_id text
);
create index events_ts_idx on regstat.events (ts);

-- Per-day counts that outlive the raw events: the event log is pruned after --event-retention, once
-- its days are folded in here. `action` is push, pull (GET), head (HEAD pull), mount or delete.
create table regstat.activity_daily (
  day date not null,
  registry text not null,
  repository text not null,
  action text not null,
  count bigint not null,
  primary key (day, registry, repository, action)
);

-- Events regstat could not interpret, kept with the reason so nothing the registry sent is lost.
create table regstat.dead_letters (
  id text primary key,
  received timestamptz not null default now(),
  reason text not null,
  event jsonb not null
);

-- The deletion audit: every delete event, including those of digests regstat never saw.
create table regstat.deletions (
  event_id text primary key,
  deleted timestamptz not null,
  kind text not null check (kind in ('manifest', 'blob', 'tag', 'unknown')),
  registry text not null,
  repository text not null,
  digest text,
  tag text
);
create index deletions_deleted_idx on regstat.deletions (deleted);

-- Manifests whose references are not known yet: fetched from the registry in the background.
create table regstat.fetch_jobs (
  digest text primary key,
  registry text not null,
  repository text not null,
  url text,
  state text not null default 'pending' check (state in ('pending', 'done', 'failed')),
  attempts integer not null default 0,
  next_attempt timestamptz not null default now(),
  last_error text,
  created timestamptz not null default now(),
  updated timestamptz not null default now()
);
create index fetch_jobs_due_idx on regstat.fetch_jobs (next_attempt) where state = 'pending';

-- What an adopted original database knew, in the new tables: a tag's repository holds its manifest
-- and that manifest's blobs.
insert into regstat.repository_manifests (registry, repository, digest, pushed, pulled)
select coalesce(registry, ''), repository, manifest_digest, min(pushed), max(pulled)
from regstat.tags
where repository is not null and manifest_digest is not null
group by 1, 2, 3
on conflict do nothing;

insert into regstat.repository_blobs (registry, repository, digest, pushed)
select rm.registry, rm.repository, mb.blob_digest, min(rm.pushed)
from regstat.repository_manifests rm
join regstat.manifest_blob mb on mb.manifest_digest = rm.digest
group by 1, 2, 3
on conflict do nothing;

insert into regstat.tag_history (name, registry, repository, tag, manifest_digest, pushed)
select name, coalesce(registry, ''), repository, tag, manifest_digest, pushed
from regstat.tags
where pushed is not null and repository is not null and tag is not null and manifest_digest is not null
on conflict do nothing;
