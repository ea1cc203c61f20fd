-- Live figures for the whole-registry reports, kept exact by the transaction that changes what the registry
-- holds, instead of snapshots refreshed in the background (migration 5, dropped here).
--
-- The aggregate tables (read them; only the settle below writes them):
--
--   manifest_refs (digest)            one row per manifest digest something refers to
--     stored, size                      regstat.manifests has a row for it, and its size (null: unknown)
--     repositories                      repositories holding it (live repository_manifests rows)
--     tags                              live tags pointing at it
--     live_parents, tagged_parents      indexes listing it as a platform that some repository holds / a tag reaches
--     image_bytes                       regstat.image_size(digest) while tags > 0, else 0
--     referencing_repositories          repositories whose live manifests are it or list it as a platform
--   A manifest is *in use* when repositories > 0 or live_parents > 0, *tagged* when tags > 0 or
--   tagged_parents > 0 (one level: the platforms of an index, as the reports have always counted).
--
--   blob_refs (digest)                one row per blob digest something refers to
--     stored, size                      regstat.blobs has a row for it, and its size (null: unknown)
--     repositories                      repositories holding it (live repository_blobs rows)
--     manifests                         manifests in use naming it (manifest_blob links)
--     tagged_manifests                  of those, the tagged ones
--     referencing_repositories          repositories whose live manifests (or their platforms) name it
--   An orphaned blob is stored with manifests = 0 (index blob_refs_orphaned_idx): what the registry's
--   garbage collector would delete.
--
--   repository_refs (registry, repository, kind, digest)   what a repository's live manifests reach
--     paths                             how many (live manifest, manifest or its platform) pairs reach the
--                                       digest (kind 'manifest': the manifest itself; 'blob': a blob it names)
--   repository_storage (registry, repository)
--     bytes                             every digest in repository_refs, each once: the repositories report's bytes
--     exclusive_bytes                   of those, the digests no other repository's live manifests reach;
--                                       shared bytes are bytes - exclusive_bytes
--   missing_blobs (registry, repository, digest, manifest, blob)
--                                       a live manifest of the repository (digest), or one of its platforms
--                                       (manifest), names a blob the repository does not hold
--   registry_totals (one row)         blobs, blob_bytes, blobs_of_unknown_size, manifests, manifest_bytes,
--                                       deduplicated_bytes (= blob_bytes + manifest_bytes), orphaned_blobs,
--                                       orphaned_bytes, untagged_bytes, summed_bytes (each live tag's image size)
--
-- How they stay exact: statement triggers on the tables that say what the registry holds (manifests, blobs,
-- manifest_blob, manifest_children, repository_manifests, repository_blobs, tags) note, per transaction,
-- each row whose relevant columns changed and what it was before (the pending_* tables). A deferred trigger
-- settles the notes once, at commit (regstat.settle_aggregates): whatever statement made the change (the
-- ingest, regstat sync, the fetch worker, retention, an operator's SQL), and in whatever order, the figures
-- move by the difference between the transaction's start and its end. The work is bounded by the rows
-- that changed and what they reach (an image's references, the tags of a digest, the repositories holding a
-- digest whose size changed), never by the size of the registry. TRUNCATE of a source table recomputes
-- everything at commit.
--
-- The expected_* views compute every figure from scratch with plain SQL: this migration fills the tables from
-- them once, and `regstat check` compares the tables with them. A row of all zeros is never kept.

drop materialized view if exists regstat.missing_blobs_snapshot;
drop materialized view if exists regstat.orphaned_blobs_snapshot;
drop materialized view if exists regstat.storage_snapshot;
drop table if exists regstat.report_snapshots;

create table regstat.manifest_refs (
  digest text primary key,
  stored boolean not null default false,
  size bigint,
  repositories integer not null default 0,
  tags integer not null default 0,
  live_parents integer not null default 0,
  tagged_parents integer not null default 0,
  image_bytes bigint not null default 0,
  referencing_repositories integer not null default 0
);

-- most-tagged over the whole registry: a range of this index
create index manifest_refs_most_tagged_idx on regstat.manifest_refs (tags desc, digest collate "C") where tags > 0;

create table regstat.blob_refs (
  digest text primary key,
  stored boolean not null default false,
  size bigint,
  repositories integer not null default 0,
  manifests integer not null default 0,
  tagged_manifests integer not null default 0,
  referencing_repositories integer not null default 0
);
create index blob_refs_orphaned_idx on regstat.blob_refs (digest collate "C") where stored and manifests = 0;

create table regstat.repository_refs (
  registry text not null,
  repository text not null,
  kind text not null check (kind in ('manifest', 'blob')),
  digest text not null,
  paths integer not null,
  primary key (registry, repository, kind, digest)
);
create index repository_refs_digest_idx on regstat.repository_refs (kind, digest);

create table regstat.repository_storage (
  registry text collate "C" not null,
  repository text collate "C" not null,
  bytes bigint not null default 0,
  exclusive_bytes bigint not null default 0,
  primary key (registry, repository)
);
create index repository_storage_zero_idx on regstat.repository_storage (registry) where bytes = 0 and exclusive_bytes = 0;

create table regstat.missing_blobs (
  registry text collate "C" not null,
  repository text collate "C" not null,
  digest text collate "C" not null,
  manifest text collate "C" not null,
  blob text collate "C" not null,
  primary key (registry, repository, digest, manifest, blob)
);
create index missing_blobs_blob_idx on regstat.missing_blobs (registry, repository, blob);

create table regstat.registry_totals (
  id boolean primary key default true check (id),
  blobs bigint not null default 0,
  blob_bytes bigint not null default 0,
  blobs_of_unknown_size bigint not null default 0,
  manifests bigint not null default 0,
  manifest_bytes bigint not null default 0,
  deduplicated_bytes bigint generated always as (blob_bytes + manifest_bytes) stored,
  orphaned_blobs bigint not null default 0,
  orphaned_bytes bigint not null default 0,
  untagged_bytes bigint not null default 0,
  summed_bytes bigint not null default 0
);
insert into regstat.registry_totals default values;

-- The storage report's grace: the orphaned blobs pushed within it are found by their push time.
create index if not exists blobs_pushed_idx on regstat.blobs (pushed);

-- What one manifest_refs or blob_refs row adds to registry_totals.
create type regstat.totals_part as (
  blobs bigint, blob_bytes bigint, blobs_of_unknown_size bigint, manifests bigint, manifest_bytes bigint,
  orphaned_blobs bigint, orphaned_bytes bigint, untagged_bytes bigint, summed_bytes bigint
);

create function regstat.in_use(r regstat.manifest_refs) returns boolean
language sql immutable as $$ select r.repositories > 0 or r.live_parents > 0 $$;

create function regstat.tagged(r regstat.manifest_refs) returns boolean
language sql immutable as $$ select r.tags > 0 or r.tagged_parents > 0 $$;

create function regstat.manifest_part(r regstat.manifest_refs) returns regstat.totals_part
language sql immutable as $$
  select row(0, 0, 0,
    case when r.stored then 1 else 0 end,
    case when r.stored then coalesce(r.size, 0) else 0 end,
    0, 0,
    case when r.stored and regstat.in_use(r) and not regstat.tagged(r) then coalesce(r.size, 0) else 0 end,
    r.tags::bigint * r.image_bytes)::regstat.totals_part
$$;

create function regstat.blob_part(r regstat.blob_refs) returns regstat.totals_part
language sql immutable as $$
  select row(
    case when r.stored then 1 else 0 end,
    case when r.stored then coalesce(r.size, 0) else 0 end,
    case when r.stored and r.size is null then 1 else 0 end,
    0, 0,
    case when r.stored and r.manifests = 0 then 1 else 0 end,
    case when r.stored and r.manifests = 0 then coalesce(r.size, 0) else 0 end,
    case when r.stored and r.manifests > 0 and r.tagged_manifests = 0 then coalesce(r.size, 0) else 0 end,
    0)::regstat.totals_part
$$;

-- ---------------------------------------------------------------------------------------------------------
-- From scratch, in plain SQL: what every aggregate table must hold.

-- Each (repository, live manifest, that manifest or one of its platforms, digest reached) once.
create view regstat.expected_repository_paths as
with held as (
  select registry, repository, digest from regstat.repository_manifests where deleted is null
),
reached as (
  select registry, repository, digest, digest as manifest from held
  union
  select h.registry, h.repository, h.digest, c.child_digest
  from held h join regstat.manifest_children c on c.parent_digest = h.digest
)
select registry, repository, digest, manifest, 'manifest'::text as kind, manifest as target from reached
union all
select r.registry, r.repository, r.digest, r.manifest, 'blob', mb.blob_digest
from reached r join regstat.manifest_blob mb on mb.manifest_digest = r.manifest;

create view regstat.expected_repository_refs as
select registry, repository, kind, target as digest, count(*)::integer as paths
from regstat.expected_repository_paths
group by 1, 2, 3, 4;

create view regstat.expected_manifest_flags as
with live as (
  select digest, count(*) as n from regstat.repository_manifests where deleted is null group by digest
),
tag_counts as (
  select manifest_digest as digest, count(*) as n from regstat.tags where manifest_digest is not null group by 1
),
parents as (
  select c.child_digest as digest,
    count(*) filter (where l.digest is not null) as live_parents,
    count(*) filter (where t.digest is not null) as tagged_parents
  from regstat.manifest_children c
  left join live l on l.digest = c.parent_digest
  left join tag_counts t on t.digest = c.parent_digest
  group by 1
),
digests as (
  select digest from live union select digest from tag_counts union select digest from parents
)
select d.digest,
  coalesce(l.n, 0)::integer as repositories,
  coalesce(t.n, 0)::integer as tags,
  coalesce(p.live_parents, 0)::integer as live_parents,
  coalesce(p.tagged_parents, 0)::integer as tagged_parents
from digests d
left join live l on l.digest = d.digest
left join tag_counts t on t.digest = d.digest
left join parents p on p.digest = d.digest;

create view regstat.expected_manifest_refs as
with referencing as (
  select digest, count(*) as n from regstat.expected_repository_refs where kind = 'manifest' group by 1
),
digests as (
  select digest from regstat.manifests
  union select digest from regstat.expected_manifest_flags
  union select digest from referencing
),
computed as (
  select d.digest,
    m.digest is not null as stored,
    m.size,
    coalesce(f.repositories, 0) as repositories,
    coalesce(f.tags, 0) as tags,
    coalesce(f.live_parents, 0) as live_parents,
    coalesce(f.tagged_parents, 0) as tagged_parents,
    case when f.tags > 0 then regstat.image_size(d.digest) else 0 end as image_bytes,
    coalesce(r.n, 0)::integer as referencing_repositories
  from digests d
  left join regstat.manifests m on m.digest = d.digest
  left join regstat.expected_manifest_flags f on f.digest = d.digest
  left join referencing r on r.digest = d.digest
)
select * from computed
where stored or repositories <> 0 or tags <> 0 or live_parents <> 0 or tagged_parents <> 0
  or image_bytes <> 0 or referencing_repositories <> 0;

create view regstat.expected_blob_refs as
with uses as (
  select mb.blob_digest as digest, count(*) as manifests,
    count(*) filter (where f.tags > 0 or f.tagged_parents > 0) as tagged_manifests
  from regstat.manifest_blob mb
  join regstat.expected_manifest_flags f on f.digest = mb.manifest_digest
  where f.repositories > 0 or f.live_parents > 0
  group by 1
),
held as (
  select digest, count(*) as n from regstat.repository_blobs where deleted is null group by 1
),
referencing as (
  select digest, count(*) as n from regstat.expected_repository_refs where kind = 'blob' group by 1
),
digests as (
  select digest from regstat.blobs union select digest from uses union select digest from held
  union select digest from referencing
)
select d.digest,
  b.digest is not null as stored,
  b.size,
  coalesce(h.n, 0)::integer as repositories,
  coalesce(u.manifests, 0)::integer as manifests,
  coalesce(u.tagged_manifests, 0)::integer as tagged_manifests,
  coalesce(r.n, 0)::integer as referencing_repositories
from digests d
left join regstat.blobs b on b.digest = d.digest
left join uses u on u.digest = d.digest
left join held h on h.digest = d.digest
left join referencing r on r.digest = d.digest;

create view regstat.expected_repository_storage as
with refs as (
  select r.registry, r.repository, r.kind, r.digest,
    count(*) over (partition by r.kind, r.digest) as holders,
    coalesce(case when r.kind = 'blob'
      then (select b.size from regstat.blobs b where b.digest = r.digest)
      else (select m.size from regstat.manifests m where m.digest = r.digest) end, 0) as size
  from regstat.expected_repository_refs r
),
sums as (
  select registry collate "C" as registry, repository collate "C" as repository,
    sum(size)::bigint as bytes, coalesce(sum(size) filter (where holders = 1), 0)::bigint as exclusive_bytes
  from refs group by 1, 2
)
select * from sums where bytes <> 0 or exclusive_bytes <> 0;

create view regstat.expected_missing_blobs as
select p.registry collate "C" as registry, p.repository collate "C" as repository, p.digest collate "C" as digest,
  p.manifest collate "C" as manifest, p.target collate "C" as blob
from regstat.expected_repository_paths p
where p.kind = 'blob'
  and not exists (
    select 1 from regstat.repository_blobs rb
    where rb.registry = p.registry and rb.repository = p.repository and rb.digest = p.target and rb.deleted is null
  );

-- The registry-wide figures as the snapshot of migration 5 defined them, independently of the tables above.
create view regstat.expected_registry_totals as
with live as materialized (
  select distinct rm.digest from regstat.repository_manifests rm where rm.deleted is null
),
in_use as materialized (
  select digest from live
  union
  select c.child_digest from regstat.manifest_children c join live l on l.digest = c.parent_digest
),
tag_counts as materialized (
  select t.manifest_digest as digest, count(*) as tags
  from regstat.tags t where t.manifest_digest is not null
  group by t.manifest_digest
),
tagged as materialized (
  select digest from tag_counts
  union
  select c.child_digest from regstat.manifest_children c join tag_counts t on t.digest = c.parent_digest
),
blob_use as materialized (
  select mb.blob_digest, bool_or(t.digest is not null) as tagged
  from regstat.manifest_blob mb
  join in_use u on u.digest = mb.manifest_digest
  left join tagged t on t.digest = mb.manifest_digest
  group by mb.blob_digest
)
select
  true as id,
  (select count(*) from regstat.blobs) as blobs,
  (select coalesce(sum(size), 0) from regstat.blobs)::bigint as blob_bytes,
  (select count(*) from regstat.blobs where size is null) as blobs_of_unknown_size,
  (select count(*) from regstat.manifests) as manifests,
  (select coalesce(sum(size), 0) from regstat.manifests)::bigint as manifest_bytes,
  ((select coalesce(sum(size), 0) from regstat.blobs) + (select coalesce(sum(size), 0) from regstat.manifests))::bigint
    as deduplicated_bytes,
  (select count(*) from regstat.blobs b where not exists (select 1 from blob_use u where u.blob_digest = b.digest))
    as orphaned_blobs,
  (select coalesce(sum(b.size), 0) from regstat.blobs b
    where not exists (select 1 from blob_use u where u.blob_digest = b.digest))::bigint as orphaned_bytes,
  ((
    select coalesce(sum(m.size), 0)
    from in_use u
    join regstat.manifests m on m.digest = u.digest
    left join tagged t on t.digest = u.digest
    where t.digest is null
  )
  + (select coalesce(sum(b.size), 0) from regstat.blobs b join blob_use u on u.blob_digest = b.digest where not u.tagged)
  )::bigint as untagged_bytes,
  (select coalesce(sum(regstat.image_size(t.digest) * t.tags), 0) from tag_counts t)::bigint as summed_bytes;

-- Every aggregate from scratch: this migration, and a TRUNCATE of a source table.
create function regstat.rebuild_aggregates() returns void
language plpgsql
set enable_seqscan = on set enable_hashjoin = on set enable_mergejoin = on
as $$
begin
  delete from regstat.manifest_refs;
  delete from regstat.blob_refs;
  delete from regstat.repository_refs;
  delete from regstat.repository_storage;
  delete from regstat.missing_blobs;
  insert into regstat.repository_refs select * from regstat.expected_repository_refs;
  insert into regstat.manifest_refs select * from regstat.expected_manifest_refs;
  insert into regstat.blob_refs select * from regstat.expected_blob_refs;
  insert into regstat.repository_storage select * from regstat.expected_repository_storage;
  insert into regstat.missing_blobs select * from regstat.expected_missing_blobs;
  update regstat.registry_totals t set
    blobs = e.blobs, blob_bytes = e.blob_bytes, blobs_of_unknown_size = e.blobs_of_unknown_size,
    manifests = e.manifests, manifest_bytes = e.manifest_bytes, orphaned_blobs = e.orphaned_blobs,
    orphaned_bytes = e.orphaned_bytes, untagged_bytes = e.untagged_bytes, summed_bytes = e.summed_bytes
  from regstat.expected_registry_totals e;
end $$;

-- ---------------------------------------------------------------------------------------------------------
-- What a transaction changed, noted by the triggers below; settled and emptied at its commit. Each note keeps
-- the row as it was before the transaction's first change to it.

create unlogged table regstat.pending_settle (
  txid bigint primary key,
  rebuild boolean not null default false
);
-- digests whose stored/size or tags changed
create unlogged table regstat.pending_manifests (txid bigint, digest text, primary key (txid, digest));
create unlogged table regstat.pending_blobs (txid bigint, digest text, primary key (txid, digest));
create unlogged table regstat.pending_links (
  txid bigint, manifest_digest text, blob_digest text, existed boolean not null,
  primary key (txid, manifest_digest, blob_digest)
);
create unlogged table regstat.pending_children (
  txid bigint, parent_digest text, child_digest text, existed boolean not null,
  primary key (txid, parent_digest, child_digest)
);
create unlogged table regstat.pending_held_manifests (
  txid bigint, registry text, repository text, digest text, was_live boolean not null,
  primary key (txid, registry, repository, digest)
);
create unlogged table regstat.pending_held_blobs (
  txid bigint, registry text, repository text, digest text, was_live boolean not null,
  primary key (txid, registry, repository, digest)
);
create index pending_held_manifests_digest_idx on regstat.pending_held_manifests (txid, digest);
create index pending_children_child_idx on regstat.pending_children (txid, child_digest);
-- while settling: each aggregate row as it was before, and the changes to apply
create unlogged table regstat.settle_manifests (txid bigint, digest text, before regstat.manifest_refs, primary key (txid, digest));
create unlogged table regstat.settle_blobs (
  txid bigint, digest text, before regstat.blob_refs, resized boolean not null default false, primary key (txid, digest)
);
create unlogged table regstat.settle_paths (
  txid bigint, registry text, repository text, digest text, manifest text, kind text, target text,
  was boolean not null, now boolean not null,
  primary key (txid, registry, repository, digest, manifest, kind, target)
);
create unlogged table regstat.settle_flips (
  txid bigint, registry text, repository text, kind text, digest text, now boolean not null,
  primary key (txid, registry, repository, kind, digest)
);
create unlogged table regstat.settle_deltas (
  txid bigint, kind text, digest text,
  repositories integer not null default 0, manifests integer not null default 0,
  tagged_manifests integer not null default 0, referencing_repositories integer not null default 0,
  primary key (txid, kind, digest)
);

-- Each source table gets one note function for its three operations: `gone` holds the rows before the
-- statement, `came` after; a row in both with the same relevant columns (`rel`) did not change (a pull, say).
-- `picked` is what the note keeps (was_there: the row is one from before the statement), `kept` which rows are
-- worth a note. A row noted twice in a transaction keeps its first note, what it was before the transaction;
-- the first note of a transaction also marks it for settling (pending_settle).
create function regstat.note_truncate() returns trigger
language plpgsql as $$
begin
  insert into regstat.pending_settle (txid, rebuild) values (txid_current(), true)
  on conflict (txid) do update set rebuild = true;
  return null;
end $$;

do $$
declare t record;
begin
  for t in select * from (values
    ('manifests', 'pending_manifests', 'digest', 'digest, size', 'digest', 'true'),
    ('blobs', 'pending_blobs', 'digest', 'digest, size', 'digest', 'true'),
    -- a tag moved, added or removed changes the tag counts of the manifests it pointed at and points at
    ('tags', 'pending_manifests', 'digest', 'name, manifest_digest', 'manifest_digest', 'manifest_digest is not null'),
    ('manifest_blob', 'pending_links', 'manifest_digest, blob_digest, existed',
      'manifest_digest, blob_digest', 'manifest_digest, blob_digest, was_there', 'true'),
    -- a platform's size is part of its index's image size: a change of it is noted as a change of the row
    ('manifest_children', 'pending_children', 'parent_digest, child_digest, existed',
      'parent_digest, child_digest, size', 'parent_digest, child_digest, was_there', 'true'),
    ('repository_manifests', 'pending_held_manifests', 'registry, repository, digest, was_live',
      'registry, repository, digest, deleted is null as live', 'registry, repository, digest, was_there and live', 'was_there or live'),
    ('repository_blobs', 'pending_held_blobs', 'registry, repository, digest, was_live',
      'registry, repository, digest, deleted is null as live', 'registry, repository, digest, was_there and live', 'true')
  ) as x (tab, pending, cols, rel, picked, kept)
  loop
    execute format($f$
      create function regstat.note_%1$s() returns trigger
      language plpgsql set enable_hashjoin = on set jit = off as $body$
      declare gone regstat.%1$s[] := '{}'; came regstat.%1$s[] := '{}';
      begin
        if tg_op <> 'INSERT' then gone := array(select o from old_rows o); end if;
        if tg_op <> 'DELETE' then came := array(select c from new_rows c); end if;
        with noted as (
          insert into regstat.%2$s (txid, %3$s)
          select txid_current(), %5$s from (
            select true as was_there, * from (select %4$s from unnest(gone) except select %4$s from unnest(came)) g
            union all
            select false, * from (select %4$s from unnest(came) except select %4$s from unnest(gone)) c
          ) x
          where %6$s
          order by was_there desc
          on conflict do nothing
          returning 1
        )
        insert into regstat.pending_settle (txid) select txid_current() where exists (select 1 from noted)
        on conflict do nothing;
        return null;
      end $body$
    $f$, t.tab, t.pending, t.cols, t.rel, t.picked, t.kept);
    execute format('create trigger %1$s_inserted after insert on regstat.%1$I referencing new table as new_rows
      for each statement execute function regstat.note_%1$s()', t.tab);
    execute format('create trigger %1$s_updated after update on regstat.%1$I referencing old table as old_rows new table as new_rows
      for each statement execute function regstat.note_%1$s()', t.tab);
    execute format('create trigger %1$s_deleted after delete on regstat.%1$I referencing old table as old_rows
      for each statement execute function regstat.note_%1$s()', t.tab);
    execute format('create trigger %1$s_truncated after truncate on regstat.%1$I
      for each statement execute function regstat.note_truncate()', t.tab);
  end loop;
end $$;

-- ---------------------------------------------------------------------------------------------------------
-- Settling a transaction's notes, at its commit.

-- Keeps each aggregate row as it was before this settle first changes it, and makes sure it exists.
create function regstat.settle_touch_manifests(tx bigint, keys text[]) returns void
language sql as $$
  with kept as (
    insert into regstat.settle_manifests (txid, digest, before)
    select tx, k, (select r from regstat.manifest_refs r where r.digest = k) from unnest(keys) k
    on conflict do nothing
  )
  insert into regstat.manifest_refs (digest) select k from unnest(keys) k order by 1 on conflict do nothing;
$$;

create function regstat.settle_touch_blobs(tx bigint, keys text[]) returns void
language sql as $$
  with kept as (
    insert into regstat.settle_blobs (txid, digest, before)
    select tx, k, (select r from regstat.blob_refs r where r.digest = k) from unnest(keys) k
    on conflict do nothing
  )
  insert into regstat.blob_refs (digest) select k from unnest(keys) k order by 1 on conflict do nothing;
$$;

-- What a settle asks of one row: now, and before the transaction (the notes, else as now). PL/pgSQL, not SQL:
-- a SQL function holding a subquery is planned again in every statement that calls it, a PL/pgSQL one once
-- per session.
create function regstat.held_now(reg text, repo text, m text) returns boolean
language plpgsql stable as $$
begin
  return exists (select 1 from regstat.repository_manifests r
    where r.registry = reg and r.repository = repo and r.digest = m and r.deleted is null);
end $$;
create function regstat.held_was(tx bigint, reg text, repo text, m text) returns boolean
language plpgsql stable as $$
begin
  return coalesce((select p.was_live from regstat.pending_held_manifests p
    where p.txid = tx and p.registry = reg and p.repository = repo and p.digest = m), regstat.held_now(reg, repo, m));
end $$;
create function regstat.holds_blob(reg text, repo text, b text) returns boolean
language plpgsql stable as $$
begin
  return exists (select 1 from regstat.repository_blobs r
    where r.registry = reg and r.repository = repo and r.digest = b and r.deleted is null);
end $$;
-- a manifest reaches itself and its platforms
create function regstat.reaches_now(m text, x text) returns boolean
language plpgsql stable as $$
begin
  return m = x or exists (select 1 from regstat.manifest_children c where c.parent_digest = m and c.child_digest = x);
end $$;
create function regstat.reaches_was(tx bigint, m text, x text) returns boolean
language plpgsql stable as $$
begin
  return m = x or coalesce((select p.existed from regstat.pending_children p
    where p.txid = tx and p.parent_digest = m and p.child_digest = x), regstat.reaches_now(m, x));
end $$;
create function regstat.links_now(x text, b text) returns boolean
language plpgsql stable as $$
begin
  return exists (select 1 from regstat.manifest_blob l where l.manifest_digest = x and l.blob_digest = b);
end $$;
create function regstat.links_was(tx bigint, x text, b text) returns boolean
language plpgsql stable as $$
begin
  return coalesce((select p.existed from regstat.pending_links p
    where p.txid = tx and p.manifest_digest = x and p.blob_digest = b), regstat.links_now(x, b));
end $$;
-- the rows as they are, and those the transaction removed: every candidate before or after
create function regstat.holders_either(tx bigint, m text) returns table (registry text, repository text)
language sql stable as $$
  select r.registry, r.repository from regstat.repository_manifests r where r.digest = m and r.deleted is null
  union
  select p.registry, p.repository from regstat.pending_held_manifests p where p.txid = tx and p.digest = m and p.was_live
$$;
create function regstat.platforms_either(tx bigint, m text) returns table (digest text)
language sql stable as $$
  select c.child_digest from regstat.manifest_children c where c.parent_digest = m
  union
  select p.child_digest from regstat.pending_children p where p.txid = tx and p.parent_digest = m
$$;
create function regstat.parents_either(tx bigint, x text) returns table (digest text)
language sql stable as $$
  select c.parent_digest from regstat.manifest_children c where c.child_digest = x
  union
  select p.parent_digest from regstat.pending_children p where p.txid = tx and p.child_digest = x
$$;
create function regstat.links_either(tx bigint, x text) returns table (digest text)
language sql stable as $$
  select l.blob_digest from regstat.manifest_blob l where l.manifest_digest = x
  union
  select p.blob_digest from regstat.pending_links p where p.txid = tx and p.manifest_digest = x
$$;

-- Whether a manifest was in use (and tagged) before this settle changed its row, and is now.
create function regstat.settle_flags(tx bigint, m text)
returns table (was_used boolean, was_tagged boolean, now_used boolean, now_tagged boolean)
language sql stable as $$
  select
    case when s.txid is null then coalesce(regstat.in_use(r), false) else coalesce(regstat.in_use(s.before), false) end,
    case when s.txid is null then coalesce(regstat.in_use(r) and regstat.tagged(r), false)
      else coalesce(regstat.in_use(s.before) and regstat.tagged(s.before), false) end,
    coalesce(regstat.in_use(r), false),
    coalesce(regstat.in_use(r) and regstat.tagged(r), false)
  from (select 1) one
  left join regstat.manifest_refs r on r.digest = m
  left join regstat.settle_manifests s on s.txid = tx and s.digest = m
$$;

-- A digest's size as the repositories' bytes count it, and how many repositories reached it before this
-- settle and after it.
create function regstat.settle_digest(tx bigint, k text, d text) returns table (size bigint, before integer, after integer)
language sql stable as $$
  select x.size, x.referencing, x.referencing + coalesce((select s.referencing_repositories from regstat.settle_deltas s
    where s.txid = tx and s.kind = k and s.digest = d), 0)
  from (
    select case when r.stored then coalesce(r.size, 0) else 0 end as size, r.referencing_repositories as referencing
    from regstat.blob_refs r where k = 'blob' and r.digest = d
    union all
    select case when r.stored then coalesce(r.size, 0) else 0 end, r.referencing_repositories
    from regstat.manifest_refs r where k = 'manifest' and r.digest = d
    union all
    select 0, 0
  ) x
  limit 1
$$;

create function regstat.settle_aggregates() returns trigger
language plpgsql
-- A handful of rows against large tables: probe their indexes (the ingest's own plan_ingest.sql says why).
-- Disabled scans cost 1e10 to the planner, which would then compile every statement just in time (a second
-- each): no JIT either.
set enable_seqscan = off set enable_hashjoin = on set enable_mergejoin = on set jit = off
as $$
declare
  tx bigint := txid_current();
  must_rebuild boolean;
  keys text[];
begin
  delete from regstat.pending_settle where txid = tx returning rebuild into must_rebuild;
  if not found then return null; end if;
  -- settles of concurrent transactions queue here, each seeing what the one before committed
  perform 1 from regstat.registry_totals where id for update;
  if must_rebuild then
    perform regstat.rebuild_aggregates();
  else
    perform regstat.settle_changes(tx);
  end if;
  perform regstat.settle_forget(tx);
  return null;
end $$;

-- A settle's notes and work rows, once it is done.
create function regstat.settle_forget(tx bigint) returns void
language sql as $$
  with
    a as (delete from regstat.pending_manifests where txid = tx),
    b as (delete from regstat.pending_blobs where txid = tx),
    c as (delete from regstat.pending_links where txid = tx),
    d as (delete from regstat.pending_children where txid = tx),
    e as (delete from regstat.pending_held_manifests where txid = tx),
    f as (delete from regstat.pending_held_blobs where txid = tx),
    g as (delete from regstat.settle_manifests where txid = tx),
    h as (delete from regstat.settle_blobs where txid = tx),
    i as (delete from regstat.settle_paths where txid = tx),
    j as (delete from regstat.settle_flips where txid = tx)
  delete from regstat.settle_deltas where txid = tx;
$$;

create function regstat.settle_changes(tx bigint) returns void
language plpgsql as $$
declare
  keys text[];
  has record;
begin
  -- Most transactions change a few kinds of rows: the steps with nothing to do are not run.
  select
    exists (select 1 from regstat.pending_manifests where txid = tx) as manifests,
    exists (select 1 from regstat.pending_blobs where txid = tx) as blobs,
    exists (select 1 from regstat.pending_links where txid = tx) as links,
    exists (select 1 from regstat.pending_children where txid = tx) as children,
    exists (select 1 from regstat.pending_held_manifests where txid = tx) as held_manifests,
    exists (select 1 from regstat.pending_held_blobs where txid = tx) as held_blobs
  into has;

  -- 1. A manifest's holders and tags, from the tables themselves: few rows per digest.
  keys := array(
    select digest from regstat.pending_manifests where txid = tx
    union select digest from regstat.pending_held_manifests where txid = tx
    order by 1);
  if cardinality(keys) > 0 then
  perform regstat.settle_touch_manifests(tx, keys);
  update regstat.manifest_refs r set
    repositories = c.repositories,
    tags = c.tags,
    image_bytes = case when c.tags = 0 then 0 when r.tags > 0 then r.image_bytes else regstat.image_size(r.digest) end
  from (
    select k as digest,
      (select count(*) from regstat.repository_manifests rm where rm.digest = k and rm.deleted is null)::integer as repositories,
      (select count(*) from regstat.tags t where t.manifest_digest = k)::integer as tags
    from unnest(keys) k
  ) c
  where r.digest = c.digest and (r.repositories, r.tags) is distinct from (c.repositories, c.tags);
  end if;

  -- 2. The platforms of an index that became held or tagged, or stopped being, and platforms added or removed.
  keys := array(
    select c.child_digest
    from regstat.settle_manifests s
    join regstat.manifest_refs r on r.digest = s.digest
    join regstat.manifest_children c on c.parent_digest = s.digest
    where s.txid = tx
      and ((coalesce((s.before).repositories, 0) > 0) <> (r.repositories > 0)
        or (coalesce((s.before).tags, 0) > 0) <> (r.tags > 0))
    union
    select child_digest from regstat.pending_children where txid = tx
    order by 1);
  if cardinality(keys) > 0 then
  perform regstat.settle_touch_manifests(tx, keys);
  update regstat.manifest_refs r set live_parents = c.live_parents, tagged_parents = c.tagged_parents
  from (
    select k as digest,
      (select count(*) from regstat.manifest_children mc join regstat.manifest_refs p on p.digest = mc.parent_digest
        where mc.child_digest = k and p.repositories > 0)::integer as live_parents,
      (select count(*) from regstat.manifest_children mc join regstat.manifest_refs p on p.digest = mc.parent_digest
        where mc.child_digest = k and p.tags > 0)::integer as tagged_parents
    from unnest(keys) k
  ) c
  where r.digest = c.digest and (r.live_parents, r.tagged_parents) is distinct from (c.live_parents, c.tagged_parents);
  end if;

  -- 3. The blobs a manifest in use names: each link counts where its manifest is in use (and tagged), so a
  -- link changes the count by what it adds now less what it added before, and so does a manifest whose state
  -- changed, for its links that did not change.
  if has.links or has.manifests or has.held_manifests or has.children then
  insert into regstat.settle_deltas as d (txid, kind, digest, manifests, tagged_manifests)
  select tx, 'blob', digest, sum(du), sum(dt) from (
    select p.blob_digest as digest,
      (case when l.now and f.now_used then 1 else 0 end) - (case when p.existed and f.was_used then 1 else 0 end) as du,
      (case when l.now and f.now_tagged then 1 else 0 end) - (case when p.existed and f.was_tagged then 1 else 0 end) as dt
    from regstat.pending_links p
    cross join lateral (select exists (select 1 from regstat.manifest_blob mb
      where mb.manifest_digest = p.manifest_digest and mb.blob_digest = p.blob_digest) as now) l
    cross join lateral regstat.settle_flags(tx, p.manifest_digest) f
    where p.txid = tx
    union all
    select mb.blob_digest,
      (case when f.now_used then 1 else 0 end) - (case when f.was_used then 1 else 0 end),
      (case when f.now_tagged then 1 else 0 end) - (case when f.was_tagged then 1 else 0 end)
    from regstat.settle_manifests s
    cross join lateral regstat.settle_flags(tx, s.digest) f
    join regstat.manifest_blob mb on mb.manifest_digest = s.digest
    where s.txid = tx
      and (f.now_used <> f.was_used or f.now_tagged <> f.was_tagged)
      and not exists (select 1 from regstat.pending_links p
        where p.txid = tx and p.manifest_digest = mb.manifest_digest and p.blob_digest = mb.blob_digest)
  ) x
  group by digest
  having sum(du) <> 0 or sum(dt) <> 0
  on conflict (txid, kind, digest) do update set
    manifests = d.manifests + excluded.manifests, tagged_manifests = d.tagged_manifests + excluded.tagged_manifests;
  end if;

  -- the repositories holding a blob
  if has.held_blobs then
  insert into regstat.settle_deltas as d (txid, kind, digest, repositories)
  select tx, 'blob', p.digest, sum((case when l.now then 1 else 0 end) - (case when p.was_live then 1 else 0 end))
  from regstat.pending_held_blobs p
  cross join lateral (select exists (select 1 from regstat.repository_blobs rb
    where rb.registry = p.registry and rb.repository = p.repository and rb.digest = p.digest and rb.deleted is null) as now) l
  where p.txid = tx
  group by p.digest
  having sum((case when l.now then 1 else 0 end) - (case when p.was_live then 1 else 0 end)) <> 0
  on conflict (txid, kind, digest) do update set repositories = d.repositories + excluded.repositories;
  end if;

  if has.held_manifests or has.children or has.links or has.held_blobs then
    perform regstat.settle_repositories(tx, has.held_blobs);
  end if;
  if has.manifests or has.blobs then
    perform regstat.settle_sizes(tx);
  end if;

  -- 7. The image size of tagged manifests whose size, platforms, links or blobs changed.
  if has.manifests or has.children or has.links or has.blobs then
  keys := array(
    select x.digest from (
      select digest from regstat.pending_manifests where txid = tx
      union select parent_digest from regstat.pending_children where txid = tx
      union select manifest_digest from regstat.pending_links where txid = tx
      union select c.parent_digest from regstat.pending_links p
        join regstat.manifest_children c on c.child_digest = p.manifest_digest where p.txid = tx
      union select c.parent_digest from regstat.pending_links p
        join regstat.pending_children c on c.txid = tx and c.child_digest = p.manifest_digest where p.txid = tx
      union select mb.manifest_digest from regstat.settle_blobs s
        join regstat.manifest_blob mb on mb.blob_digest = s.digest where s.txid = tx and s.resized
      union select c.parent_digest from regstat.settle_blobs s
        join regstat.manifest_blob mb on mb.blob_digest = s.digest
        join regstat.manifest_children c on c.child_digest = mb.manifest_digest where s.txid = tx and s.resized
    ) x
    join regstat.manifest_refs r on r.digest = x.digest and r.tags > 0
    order by 1);
  if cardinality(keys) > 0 then
    perform regstat.settle_touch_manifests(tx, keys);
    update regstat.manifest_refs r set image_bytes = c.image_bytes
    from (select k as digest, regstat.image_size(k) as image_bytes from unnest(keys) k) c
    where r.digest = c.digest and r.image_bytes <> c.image_bytes;
  end if;
  end if;

  -- 8. The counted changes to blobs and manifests.
  keys := array(select digest from regstat.settle_deltas where txid = tx and kind = 'blob' order by 1);
  if cardinality(keys) > 0 then
  perform regstat.settle_touch_blobs(tx, keys);
  update regstat.blob_refs r set
    repositories = r.repositories + d.repositories,
    manifests = r.manifests + d.manifests,
    tagged_manifests = r.tagged_manifests + d.tagged_manifests,
    referencing_repositories = r.referencing_repositories + d.referencing_repositories
  from regstat.settle_deltas d
  where d.txid = tx and d.kind = 'blob' and d.digest = r.digest;
  end if;
  keys := array(select digest from regstat.settle_deltas where txid = tx and kind = 'manifest' order by 1);
  if cardinality(keys) > 0 then
  perform regstat.settle_touch_manifests(tx, keys);
  update regstat.manifest_refs r set referencing_repositories = r.referencing_repositories + d.referencing_repositories
  from regstat.settle_deltas d
  where d.txid = tx and d.kind = 'manifest' and d.digest = r.digest;
  end if;

  -- 9. The totals move by what the changed rows add now less what they added before.
  update regstat.registry_totals t set
    blobs = t.blobs + d.blobs, blob_bytes = t.blob_bytes + d.blob_bytes,
    blobs_of_unknown_size = t.blobs_of_unknown_size + d.blobs_of_unknown_size,
    manifests = t.manifests + d.manifests, manifest_bytes = t.manifest_bytes + d.manifest_bytes,
    orphaned_blobs = t.orphaned_blobs + d.orphaned_blobs, orphaned_bytes = t.orphaned_bytes + d.orphaned_bytes,
    untagged_bytes = t.untagged_bytes + d.untagged_bytes, summed_bytes = t.summed_bytes + d.summed_bytes
  from (
    select
      coalesce(sum((n).blobs), 0) - coalesce(sum((b).blobs), 0) as blobs,
      coalesce(sum((n).blob_bytes), 0) - coalesce(sum((b).blob_bytes), 0) as blob_bytes,
      coalesce(sum((n).blobs_of_unknown_size), 0) - coalesce(sum((b).blobs_of_unknown_size), 0) as blobs_of_unknown_size,
      coalesce(sum((n).manifests), 0) - coalesce(sum((b).manifests), 0) as manifests,
      coalesce(sum((n).manifest_bytes), 0) - coalesce(sum((b).manifest_bytes), 0) as manifest_bytes,
      coalesce(sum((n).orphaned_blobs), 0) - coalesce(sum((b).orphaned_blobs), 0) as orphaned_blobs,
      coalesce(sum((n).orphaned_bytes), 0) - coalesce(sum((b).orphaned_bytes), 0) as orphaned_bytes,
      coalesce(sum((n).untagged_bytes), 0) - coalesce(sum((b).untagged_bytes), 0) as untagged_bytes,
      coalesce(sum((n).summed_bytes), 0) - coalesce(sum((b).summed_bytes), 0) as summed_bytes
    from (
      select regstat.manifest_part(r) as n, regstat.manifest_part(s.before) as b
      from regstat.settle_manifests s join regstat.manifest_refs r on r.digest = s.digest
      where s.txid = tx
      union all
      select regstat.blob_part(r), regstat.blob_part(s.before)
      from regstat.settle_blobs s join regstat.blob_refs r on r.digest = s.digest
      where s.txid = tx
    ) x
  ) d
  where t.id;

  -- 10. No row of all zeros is kept.
  delete from regstat.repository_storage where bytes = 0 and exclusive_bytes = 0;
  delete from regstat.manifest_refs r using regstat.settle_manifests s
  where s.txid = tx and r.digest = s.digest and not r.stored and r.repositories = 0 and r.tags = 0
    and r.live_parents = 0 and r.tagged_parents = 0 and r.image_bytes = 0 and r.referencing_repositories = 0;
  delete from regstat.blob_refs r using regstat.settle_blobs s
  where s.txid = tx and r.digest = s.digest and not r.stored and r.repositories = 0 and r.manifests = 0
    and r.tagged_manifests = 0 and r.referencing_repositories = 0;
end $$;

-- 4 and 5: what each repository's live manifests reach, what it lacks, and its bytes.
create function regstat.settle_repositories(tx bigint, held_blobs boolean) returns void
language plpgsql as $$
declare n bigint;
begin
  insert into regstat.settle_paths (txid, registry, repository, digest, manifest, kind, target, was, now)
  with held as (
    select p.registry, p.repository, p.digest from regstat.pending_held_manifests p
    where p.txid = tx and p.was_live <> regstat.held_now(p.registry, p.repository, p.digest)
  ),
  platforms as (
    select p.parent_digest, p.child_digest from regstat.pending_children p
    where p.txid = tx and p.existed <> regstat.reaches_now(p.parent_digest, p.child_digest)
  ),
  links as (
    select p.manifest_digest, p.blob_digest from regstat.pending_links p
    where p.txid = tx and p.existed <> regstat.links_now(p.manifest_digest, p.blob_digest)
  ),
  reach as (
    select h.registry, h.repository, h.digest, h.digest as manifest from held h
    union
    select h.registry, h.repository, h.digest, c.digest from held h cross join lateral regstat.platforms_either(tx, h.digest) c
    union
    select r.registry, r.repository, p.parent_digest, p.child_digest
    from platforms p cross join lateral regstat.holders_either(tx, p.parent_digest) r
  ),
  candidates as (
    select registry, repository, digest, manifest, 'manifest' as kind, manifest as target from reach
    union
    select r.registry, r.repository, r.digest, r.manifest, 'blob', l.digest
    from reach r cross join lateral regstat.links_either(tx, r.manifest) l
    union
    select h.registry, h.repository, m.digest, l.manifest_digest, 'blob', l.blob_digest
    from links l
    cross join lateral (select l.manifest_digest as digest union select digest from regstat.parents_either(tx, l.manifest_digest)) m
    cross join lateral regstat.holders_either(tx, m.digest) h
  )
  select tx, c.registry, c.repository, c.digest, c.manifest, c.kind, c.target, v.was, v.now
  from candidates c
  cross join lateral (select
    regstat.held_was(tx, c.registry, c.repository, c.digest) and regstat.reaches_was(tx, c.digest, c.manifest)
      and (c.kind = 'manifest' or regstat.links_was(tx, c.manifest, c.target)) as was,
    regstat.held_now(c.registry, c.repository, c.digest) and regstat.reaches_now(c.digest, c.manifest)
      and (c.kind = 'manifest' or regstat.links_now(c.manifest, c.target)) as now
  ) v
  where v.was <> v.now;
  get diagnostics n = row_count;

  if n > 0 then
  -- the paths reaching each digest, and the repositories that started or stopped reaching one
  with d as (
    select p.registry, p.repository, p.kind, p.target as digest, sum(case when p.now then 1 else -1 end)::integer as delta
    from regstat.settle_paths p where p.txid = tx
    group by 1, 2, 3, 4
    having sum(case when p.now then 1 else -1 end) <> 0
  ),
  f as (
    select d.*, coalesce((select r.paths from regstat.repository_refs r
      where r.registry = d.registry and r.repository = d.repository and r.kind = d.kind and r.digest = d.digest), 0) as before
    from d
  ),
  written as (
    insert into regstat.repository_refs as r (registry, repository, kind, digest, paths)
    select registry, repository, kind, digest, delta from f order by 1, 2, 3, 4
    on conflict (registry, repository, kind, digest) do update set paths = r.paths + excluded.paths
  )
  insert into regstat.settle_flips (txid, registry, repository, kind, digest, now)
  select tx, registry, repository, kind, digest, before + delta > 0 from f where (before > 0) <> (before + delta > 0);
  delete from regstat.repository_refs r using regstat.settle_flips f
  where f.txid = tx and not f.now
    and r.registry = f.registry and r.repository = f.repository and r.kind = f.kind and r.digest = f.digest and r.paths = 0;

  -- missing blobs: a path that now reaches a blob its repository does not hold, and none that does not
  delete from regstat.missing_blobs m using regstat.settle_paths p
  where p.txid = tx and p.kind = 'blob' and not p.now
    and m.registry = p.registry collate "C" and m.repository = p.repository collate "C" and m.digest = p.digest collate "C"
    and m.manifest = p.manifest collate "C" and m.blob = p.target collate "C";
  insert into regstat.missing_blobs (registry, repository, digest, manifest, blob)
  select p.registry, p.repository, p.digest, p.manifest, p.target from regstat.settle_paths p
  where p.txid = tx and p.kind = 'blob' and p.now and not regstat.holds_blob(p.registry, p.repository, p.target)
  order by 1, 2, 3, 4, 5
  on conflict do nothing;
  end if;

  -- a repository that came to hold a blob lacks it nowhere; one that stopped, wherever its manifests name it
  if held_blobs then
  delete from regstat.missing_blobs m using regstat.pending_held_blobs p
  where p.txid = tx and regstat.holds_blob(p.registry, p.repository, p.digest)
    and m.registry = p.registry collate "C" and m.repository = p.repository collate "C" and m.blob = p.digest collate "C";
  insert into regstat.missing_blobs (registry, repository, digest, manifest, blob)
  select p.registry, p.repository, m.digest, l.manifest_digest, p.digest
  from regstat.pending_held_blobs p
  join regstat.manifest_blob l on l.blob_digest = p.digest
  cross join lateral (
    select l.manifest_digest as digest
    union select c.parent_digest from regstat.manifest_children c where c.child_digest = l.manifest_digest
  ) m
  where p.txid = tx and p.was_live and not regstat.holds_blob(p.registry, p.repository, p.digest)
    and exists (select 1 from regstat.repository_refs r
      where r.registry = p.registry and r.repository = p.repository and r.kind = 'blob' and r.digest = p.digest)
    and regstat.held_now(p.registry, p.repository, m.digest)
  order by 1, 2, 3, 4, 5
  on conflict do nothing;
  end if;

  if n = 0 then return; end if;
  -- how many repositories reach each digest
  insert into regstat.settle_deltas as d (txid, kind, digest, referencing_repositories)
  select tx, f.kind, f.digest, sum(case when f.now then 1 else -1 end)
  from regstat.settle_flips f where f.txid = tx
  group by f.kind, f.digest
  having sum(case when f.now then 1 else -1 end) <> 0
  on conflict (txid, kind, digest) do update set referencing_repositories = d.referencing_repositories + excluded.referencing_repositories;

  -- a repository's bytes: what it started or stopped reaching; its exclusive bytes also what another
  -- repository started or stopped sharing with it
  insert into regstat.repository_storage as s (registry, repository, bytes, exclusive_bytes)
  select registry, repository, sum(bytes), sum(exclusive_bytes) from (
    select f.registry, f.repository,
      case when f.now then z.size else -z.size end as bytes,
      (case when f.now and z.after = 1 then z.size else 0 end) - (case when not f.now and z.before = 1 then z.size else 0 end)
        as exclusive_bytes
    from regstat.settle_flips f cross join lateral regstat.settle_digest(tx, f.kind, f.digest) z
    where f.txid = tx
    union all
    select r.registry, r.repository, 0,
      ((case when z.after = 1 then 1 else 0 end) - (case when z.before = 1 then 1 else 0 end)) * z.size
    from (select distinct f.kind, f.digest from regstat.settle_flips f where f.txid = tx) d
    cross join lateral regstat.settle_digest(tx, d.kind, d.digest) z
    join regstat.repository_refs r on r.kind = d.kind and r.digest = d.digest
    where (z.before = 1) <> (z.after = 1)
      and not exists (select 1 from regstat.settle_flips f where f.txid = tx
        and f.registry = r.registry and f.repository = r.repository and f.kind = d.kind and f.digest = d.digest)
  ) x
  group by 1, 2
  having sum(bytes) <> 0 or sum(exclusive_bytes) <> 0
  order by 1, 2
  on conflict (registry, repository) do update set
    bytes = s.bytes + excluded.bytes, exclusive_bytes = s.exclusive_bytes + excluded.exclusive_bytes;
end $$;

-- 6: sizes, and the bytes of every repository reaching a digest whose size changed.
create function regstat.settle_sizes(tx bigint) returns void
language plpgsql as $$
declare keys text[];
begin
  keys := array(select digest from regstat.pending_manifests where txid = tx order by 1);
  perform regstat.settle_touch_manifests(tx, keys);
  keys := array(select digest from regstat.pending_blobs where txid = tx order by 1);
  perform regstat.settle_touch_blobs(tx, keys);

  insert into regstat.repository_storage as s (registry, repository, bytes, exclusive_bytes)
  with resized as (
    select 'manifest' as kind, r.digest, (case when m.digest is not null then coalesce(m.size, 0) else 0 end)
      - (case when r.stored then coalesce(r.size, 0) else 0 end) as delta
    from regstat.pending_manifests p
    join regstat.manifest_refs r on r.digest = p.digest
    left join regstat.manifests m on m.digest = p.digest
    where p.txid = tx
    union all
    select 'blob', r.digest, (case when b.digest is not null then coalesce(b.size, 0) else 0 end)
      - (case when r.stored then coalesce(r.size, 0) else 0 end)
    from regstat.pending_blobs p
    join regstat.blob_refs r on r.digest = p.digest
    left join regstat.blobs b on b.digest = p.digest
    where p.txid = tx
  )
  select rr.registry, rr.repository, sum(x.delta), sum(case when z.after = 1 then x.delta else 0 end)
  from resized x
  cross join lateral regstat.settle_digest(tx, x.kind, x.digest) z
  join regstat.repository_refs rr on rr.kind = x.kind and rr.digest = x.digest
  where x.delta <> 0
  group by 1, 2
  order by 1, 2
  on conflict (registry, repository) do update set
    bytes = s.bytes + excluded.bytes, exclusive_bytes = s.exclusive_bytes + excluded.exclusive_bytes;

  update regstat.settle_blobs s set resized = true
  from regstat.pending_blobs p
  join regstat.blob_refs r on r.digest = p.digest
  left join regstat.blobs b on b.digest = p.digest
  where p.txid = tx and s.txid = tx and s.digest = p.digest
    and (case when b.digest is not null then coalesce(b.size, 0) else 0 end) <> (case when r.stored then coalesce(r.size, 0) else 0 end);

  update regstat.manifest_refs r set stored = m.digest is not null, size = m.size
  from regstat.pending_manifests p
  left join regstat.manifests m on m.digest = p.digest
  where p.txid = tx and r.digest = p.digest and (r.stored, r.size) is distinct from (m.digest is not null, m.size);
  update regstat.blob_refs r set stored = b.digest is not null, size = b.size
  from regstat.pending_blobs p
  left join regstat.blobs b on b.digest = p.digest
  where p.txid = tx and r.digest = p.digest and (r.stored, r.size) is distinct from (b.digest is not null, b.size);
end $$;

-- Fires once per transaction that noted something, at its commit.
create constraint trigger pending_settle_at_commit after insert on regstat.pending_settle
deferrable initially deferred for each row execute function regstat.settle_aggregates();

select regstat.rebuild_aggregates();
