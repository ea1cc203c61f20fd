-- Growth over time: the registry's storage figures, and each repository's bytes, as they stand at the end of
-- every UTC day, kept forever like the per-day activity counts (retention never touches them).
--
-- Written by triggers on the live figures of migration 11, so in the transaction that changes them, whatever
-- made the change (the ingest, regstat sync, the fetch worker, an operator's SQL): the settle at its commit
-- moves the figures, and these triggers upsert the day's row. A day's row is that day's last state; a day
-- without a row had no change (the reports carry the day before on). The cost is one row per changed
-- repository and one registry-wide row per settled transaction, never a scan.
--
-- The day is the UTC date when the transaction settles: settles queue on registry_totals (migration 11), so
-- the days follow the order of the commits. It is taken once per transaction, so one transaction's rows all
-- land on one day. A test may set `regstat.history_clock` (a timestamp) to stand for the clock.

create function regstat.history_day() returns date
language plpgsql volatile as $$
declare
  day date := nullif(current_setting('regstat.history_day', true), '')::date;
begin
  if day is null then
    day := (coalesce(nullif(current_setting('regstat.history_clock', true), '')::timestamptz, clock_timestamp())
      at time zone 'UTC')::date;
    perform set_config('regstat.history_day', to_char(day, 'YYYY-MM-DD'), true);
  end if;
  return day;
end $$;

-- How many images (distinct manifests a live tag points at) and repositories (holding any bytes) there are
-- now, moved by the triggers below when a manifest_refs row starts or stops being tagged and a
-- repository_storage row starts or stops holding bytes.
create table regstat.storage_counts (
  id boolean primary key default true check (id),
  images bigint not null,
  repositories bigint not null
);
insert into regstat.storage_counts (images, repositories)
select (select count(*) from regstat.manifest_refs where tags > 0),
       (select count(*) from regstat.repository_storage where bytes <> 0 or exclusive_bytes <> 0);

create table regstat.storage_daily (
  day date primary key,
  deduplicated_bytes bigint not null,
  orphaned_bytes bigint not null,
  untagged_bytes bigint not null,
  summed_bytes bigint not null,
  images bigint not null,
  repositories bigint not null
);

create table regstat.repository_storage_daily (
  registry text collate "C" not null,
  repository text collate "C" not null,
  day date not null,
  bytes bigint not null,
  exclusive_bytes bigint not null,
  primary key (registry, repository, day)
);

create function regstat.count_images() returns trigger
language plpgsql as $$
begin
  update regstat.storage_counts set images = images
    + case when tg_op <> 'DELETE' and new.tags > 0 then 1 else 0 end
    - case when tg_op <> 'INSERT' and old.tags > 0 then 1 else 0 end;
  return null;
end $$;
-- only the rows that start or stop being tagged call it
create trigger manifest_refs_images_inserted after insert on regstat.manifest_refs
  for each row when (new.tags > 0) execute function regstat.count_images();
create trigger manifest_refs_images_updated after update of tags on regstat.manifest_refs
  for each row when ((old.tags > 0) <> (new.tags > 0)) execute function regstat.count_images();
create trigger manifest_refs_images_deleted after delete on regstat.manifest_refs
  for each row when (old.tags > 0) execute function regstat.count_images();

-- A repository's row of the day, and the count of repositories holding bytes. An emptied repository's last
-- row says 0 bytes (the settle sets its bytes to 0 before it deletes the row).
create function regstat.record_repository_day() returns trigger
language plpgsql as $$
declare
  held_before boolean := tg_op <> 'INSERT' and (old.bytes <> 0 or old.exclusive_bytes <> 0);
  holds boolean := tg_op <> 'DELETE' and (new.bytes <> 0 or new.exclusive_bytes <> 0);
  r regstat.repository_storage := case when tg_op = 'DELETE' then old else new end;
begin
  if held_before <> holds then
    update regstat.storage_counts set repositories = repositories + case when holds then 1 else -1 end;
  end if;
  insert into regstat.repository_storage_daily as d (registry, repository, day, bytes, exclusive_bytes)
  values (r.registry, r.repository, regstat.history_day(),
          case when holds then r.bytes else 0 end, case when holds then r.exclusive_bytes else 0 end)
  on conflict (registry, repository, day) do update set bytes = excluded.bytes, exclusive_bytes = excluded.exclusive_bytes;
  return null;
end $$;
create trigger repository_storage_history_inserted after insert on regstat.repository_storage
  for each row when (new.bytes <> 0 or new.exclusive_bytes <> 0) execute function regstat.record_repository_day();
create trigger repository_storage_history_updated after update on regstat.repository_storage
  for each row when ((old.bytes, old.exclusive_bytes) is distinct from (new.bytes, new.exclusive_bytes))
  execute function regstat.record_repository_day();
create trigger repository_storage_history_deleted after delete on regstat.repository_storage
  for each row when (old.bytes <> 0 or old.exclusive_bytes <> 0) execute function regstat.record_repository_day();

-- The day's registry-wide row. The settle updates registry_totals once in every transaction it settles, after
-- the steps that move manifest_refs and repository_storage (and rebuild_aggregates last), so the counts are
-- final by then; `regstat check` compares the last row with the figures from scratch.
create function regstat.record_storage_day() returns trigger
language plpgsql as $$
begin
  insert into regstat.storage_daily as d
    (day, deduplicated_bytes, orphaned_bytes, untagged_bytes, summed_bytes, images, repositories)
  select regstat.history_day(), new.deduplicated_bytes, new.orphaned_bytes, new.untagged_bytes, new.summed_bytes,
         c.images, c.repositories
  from regstat.storage_counts c
  on conflict (day) do update set
    deduplicated_bytes = excluded.deduplicated_bytes, orphaned_bytes = excluded.orphaned_bytes,
    untagged_bytes = excluded.untagged_bytes, summed_bytes = excluded.summed_bytes,
    images = excluded.images, repositories = excluded.repositories;
  return null;
end $$;
create trigger registry_totals_history after update on regstat.registry_totals
  for each row execute function regstat.record_storage_day();

-- A database that already holds a registry starts its history today (an empty one, such as the embedded
-- database's template, at its first change).
insert into regstat.storage_daily (day, deduplicated_bytes, orphaned_bytes, untagged_bytes, summed_bytes, images, repositories)
select regstat.history_day(), t.deduplicated_bytes, t.orphaned_bytes, t.untagged_bytes, t.summed_bytes, c.images, c.repositories
from regstat.registry_totals t cross join regstat.storage_counts c
where exists (select 1 from regstat.blobs) or exists (select 1 from regstat.manifests) or exists (select 1 from regstat.tags);
insert into regstat.repository_storage_daily (registry, repository, day, bytes, exclusive_bytes)
select s.registry, s.repository, regstat.history_day(), s.bytes, s.exclusive_bytes
from regstat.repository_storage s where s.bytes <> 0 or s.exclusive_bytes <> 0;

-- The largest repositories first (the largest-repositories report, /metrics).
create index repository_storage_bytes_idx on regstat.repository_storage (bytes desc, registry, repository);
