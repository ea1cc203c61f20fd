-- The registries report's figures, kept like migration 11's: per registry, its live tags, its images (distinct
-- manifests those tags point at) and its repositories holding a live manifest, which a request would otherwise
-- count from every tag and live manifest of the registry.
--
--   registry_tagged (registry, digest)       live tags per registry and manifest digest ('' for a tag naming none;
--                                            a tag without a registry, as the original program could leave, is in none)
--   registry_repositories (registry, repository)  the repositories holding a live manifest
--   registry_counts (registry)               repositories, images (registry_tagged rows with a digest), tags
--
-- Statement triggers on tags and repository_manifests note the keys a statement changed (a pull changes none);
-- a deferred trigger recounts each noted key at commit, from an index range of that key alone (the tags of one
-- digest in one registry, the first live manifest of one repository), and moves registry_counts by the
-- difference. It queues behind the other settles (migration 11's lock on registry_totals), so each sees what
-- the one before committed. A TRUNCATE of either table recounts everything at commit. `regstat check` compares
-- the three with the expected_registry_* views below.

create index activity_daily_registry_registry_idx on regstat.activity_daily_registry (registry collate "C", day);
create index tags_registry_manifest_idx on regstat.tags (registry collate "C", manifest_digest) include (repository);

create table regstat.registry_tagged (
  registry text collate "C" not null,
  digest text collate "C" not null,
  tags integer not null check (tags > 0),
  primary key (registry, digest)
);
create table regstat.registry_repositories (
  registry text collate "C" not null,
  repository text collate "C" not null,
  primary key (registry, repository)
);
create table regstat.registry_counts (
  registry text collate "C" primary key,
  repositories bigint not null,
  images bigint not null,
  tags bigint not null
);

create view regstat.expected_registry_tagged as
select t.registry collate "C" as registry, coalesce(t.manifest_digest, '') collate "C" as digest, count(*)::integer as tags
from regstat.tags t where t.registry is not null group by 1, 2;

create view regstat.expected_registry_repositories as
select distinct rm.registry collate "C" as registry, rm.repository collate "C" as repository
from regstat.repository_manifests rm where rm.deleted is null and rm.registry is not null and rm.repository is not null;

create view regstat.expected_registry_counts as
with tagged as (
  select registry, count(*) filter (where digest <> '') as images, sum(tags) as tags
  from regstat.expected_registry_tagged group by 1
),
held as (select registry, count(*) as repositories from regstat.expected_registry_repositories group by 1)
select coalesce(t.registry, h.registry) as registry, coalesce(h.repositories, 0)::bigint as repositories,
  coalesce(t.images, 0)::bigint as images, coalesce(t.tags, 0)::bigint as tags
from tagged t full join held h on h.registry = t.registry;

create function regstat.rebuild_registry_counts() returns void
language sql as $$
  delete from regstat.registry_tagged;
  delete from regstat.registry_repositories;
  delete from regstat.registry_counts;
  insert into regstat.registry_tagged select * from regstat.expected_registry_tagged;
  insert into regstat.registry_repositories select * from regstat.expected_registry_repositories;
  insert into regstat.registry_counts select * from regstat.expected_registry_counts;
$$;
select regstat.rebuild_registry_counts();

-- the keys a transaction changed, until its commit recounts them
create unlogged table regstat.pending_registry_counts (
  txid bigint primary key,
  rebuild boolean not null default false
);
create unlogged table regstat.pending_registry_tagged (
  txid bigint, registry text, digest text, primary key (txid, registry, digest)
);
create unlogged table regstat.pending_registry_repositories (
  txid bigint, registry text, repository text, primary key (txid, registry, repository)
);

create function regstat.note_registry_truncate() returns trigger
language plpgsql as $$
begin
  insert into regstat.pending_registry_counts (txid, rebuild) values (txid_current(), true)
  on conflict (txid) do update set rebuild = true;
  return null;
end $$;

-- One note function per table, each operation reading its transition tables directly (migration 17 says why):
-- `cols` are the columns a count depends on, an update notes the `keys` whose rows before and after differ.
do $$
declare
  t record;
  note constant text := $n$
        with changed as (%s),
        noted as (
          insert into regstat.%s (txid, %s) select distinct txid_current(), %s from changed where %s
          on conflict do nothing
          returning 1
        )
        insert into regstat.pending_registry_counts (txid) select txid_current() where exists (select 1 from noted)
        on conflict do nothing;$n$;
begin
  for t in select * from (values
    ('tagged', 'tags', 'pending_registry_tagged', 'registry, digest',
      $c$registry, coalesce(manifest_digest, '') as digest$c$, 'registry is not null'),
    ('repositories', 'repository_manifests', 'pending_registry_repositories', 'registry, repository',
      'registry, repository, deleted is null as live', 'registry is not null and repository is not null')
  ) as x (name, tab, pending, keys, cols, kept)
  loop
    execute format($f$
      create function regstat.note_registry_%s() returns trigger
      language plpgsql set jit = off as $body$
      begin
        if tg_op = 'INSERT' then %s
        elsif tg_op = 'DELETE' then %s
        else %s
        end if;
        return null;
      end $body$
    $f$, t.name,
      format(note, format('select %s from new_rows', t.cols), t.pending, t.keys, t.keys, t.kept),
      format(note, format('select %s from old_rows', t.cols), t.pending, t.keys, t.keys, t.kept),
      format(note, format('(select %1$s from old_rows except all select %1$s from new_rows)
          union all (select %1$s from new_rows except all select %1$s from old_rows)', t.cols), t.pending, t.keys, t.keys, t.kept));
    execute format('create trigger %1$s_registry_counts_inserted after insert on regstat.%1$I referencing new table as new_rows
      for each statement execute function regstat.note_registry_%2$s()', t.tab, t.name);
    execute format('create trigger %1$s_registry_counts_updated after update on regstat.%1$I
      referencing old table as old_rows new table as new_rows
      for each statement execute function regstat.note_registry_%2$s()', t.tab, t.name);
    execute format('create trigger %1$s_registry_counts_deleted after delete on regstat.%1$I referencing old table as old_rows
      for each statement execute function regstat.note_registry_%2$s()', t.tab, t.name);
    execute format('create trigger %1$s_registry_counts_truncated after truncate on regstat.%1$I
      for each statement execute function regstat.note_registry_truncate()', t.tab);
  end loop;
end $$;

-- At commit: each noted key recounted from its own index range, the registries moved by the difference.
create function regstat.settle_registry_counts() returns trigger
language plpgsql
-- a handful of keys against large tables: index probes, as migration 11's settle (which says why)
set enable_seqscan = off set enable_hashjoin = on set enable_mergejoin = on set jit = off
as $$
declare
  tx bigint := txid_current();
  must_rebuild boolean;
begin
  delete from regstat.pending_registry_counts where txid = tx returning rebuild into must_rebuild;
  if not found then return null; end if;
  -- behind the settles of concurrent transactions (migration 11), each seeing what the one before committed
  perform 1 from regstat.registry_totals where id for update;
  if must_rebuild then
    perform regstat.rebuild_registry_counts();
  else
    with keys as (
      select p.registry collate "C" as registry, p.digest collate "C" as digest from regstat.pending_registry_tagged p
      where p.txid = tx
    ),
    recounted as (
      select k.registry, k.digest,
        coalesce((select r.tags from regstat.registry_tagged r where r.registry = k.registry and r.digest = k.digest), 0) as was,
        case when k.digest = '' then (
          select count(*) from regstat.tags t where t.registry collate "C" = k.registry and t.manifest_digest is null
        ) else (
          select count(*) from regstat.tags t where t.registry collate "C" = k.registry and t.manifest_digest = k.digest
        ) end::integer as now
      from keys k
    ),
    gone as (
      delete from regstat.registry_tagged r using recounted c
      where r.registry = c.registry and r.digest = c.digest and c.now = 0
    ),
    kept as (
      insert into regstat.registry_tagged (registry, digest, tags)
      select registry, digest, now from recounted where now > 0 order by registry, digest
      on conflict (registry, digest) do update set tags = excluded.tags
    ),
    held as (
      select p.registry collate "C" as registry, p.repository collate "C" as repository,
        exists (
          select 1 from regstat.registry_repositories r where r.registry = p.registry collate "C" and r.repository = p.repository collate "C"
        ) as was,
        exists (
          select 1 from regstat.repository_manifests rm
          where rm.registry collate "C" = p.registry collate "C" and rm.repository collate "C" = p.repository collate "C"
            and rm.deleted is null
        ) as now
      from regstat.pending_registry_repositories p where p.txid = tx
    ),
    emptied as (
      delete from regstat.registry_repositories r using held h
      where r.registry = h.registry and r.repository = h.repository and h.was and not h.now
    ),
    filled as (
      insert into regstat.registry_repositories (registry, repository)
      select registry, repository from held where now and not was order by registry, repository
    ),
    moved as (
      select registry, 0 as repositories,
        sum((now > 0 and digest <> '')::int - (was > 0 and digest <> '')::int) as images, sum(now - was) as tags
      from recounted group by registry
      union all
      select registry, sum(now::int - was::int), 0, 0 from held group by registry
    )
    insert into regstat.registry_counts as c (registry, repositories, images, tags)
    select registry, sum(repositories), sum(images), sum(tags) from moved group by registry order by registry
    on conflict (registry) do update set repositories = c.repositories + excluded.repositories,
      images = c.images + excluded.images, tags = c.tags + excluded.tags;
    delete from regstat.registry_counts c
    where c.repositories = 0 and c.images = 0 and c.tags = 0
      and (c.registry in (select p.registry collate "C" from regstat.pending_registry_tagged p where p.txid = tx)
        or c.registry in (select p.registry collate "C" from regstat.pending_registry_repositories p where p.txid = tx));
  end if;
  delete from regstat.pending_registry_tagged where txid = tx;
  delete from regstat.pending_registry_repositories where txid = tx;
  return null;
end $$;
create constraint trigger pending_registry_counts_at_commit after insert on regstat.pending_registry_counts
deferrable initially deferred for each row execute function regstat.settle_registry_counts();
