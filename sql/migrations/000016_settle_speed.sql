-- The settle (migration 11) at a cost bounded by what a transaction changed.
--
-- A statement's plan is made from the statistics of the settle's work tables, which hold a handful of rows
-- most of the time (and none between transactions): a manifest with thousands of references then met a nested
-- loop the planner expected to run once per row of a dozen, and settling it grew with the square of its
-- references (10,000: minutes on the embedded database). Each lookup below is keyed by a whole primary key, so
-- it stays an index probe whatever the planner expects.

create or replace function regstat.settle_repositories(tx bigint, held_blobs boolean) returns void
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
        and f.registry = r.registry and f.repository = r.repository and f.kind = r.kind and f.digest = r.digest)
  ) x
  group by 1, 2
  having sum(bytes) <> 0 or sum(exclusive_bytes) <> 0
  order by 1, 2
  on conflict (registry, repository) do update set
    bytes = s.bytes + excluded.bytes, exclusive_bytes = s.exclusive_bytes + excluded.exclusive_bytes;
end $$;

-- Whether the transaction noted a change of this link. PL/pgSQL, as the other per-row questions (migration 11).
create function regstat.link_noted(tx bigint, x text, b text) returns boolean
language plpgsql stable as $$
begin
  return exists (select 1 from regstat.pending_links p where p.txid = tx and p.manifest_digest = x and p.blob_digest = b);
end $$;

create or replace function regstat.settle_changes(tx bigint) returns void
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
      and not regstat.link_noted(tx, mb.manifest_digest, mb.blob_digest)
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
-- PL/pgSQL rather than SQL: a SQL function that writes is planned afresh at every call, a PL/pgSQL one once
-- per session; these run in every settle, some of them several times.
create or replace function regstat.settle_touch_manifests(tx bigint, keys text[]) returns void
language plpgsql as $$
begin
  with kept as (
    insert into regstat.settle_manifests (txid, digest, before)
    select tx, k, (select r from regstat.manifest_refs r where r.digest = k) from unnest(keys) k
    on conflict do nothing
  )
  insert into regstat.manifest_refs (digest) select k from unnest(keys) k order by 1 on conflict do nothing;
end $$;

create or replace function regstat.settle_touch_blobs(tx bigint, keys text[]) returns void
language plpgsql as $$
begin
  with kept as (
    insert into regstat.settle_blobs (txid, digest, before)
    select tx, k, (select r from regstat.blob_refs r where r.digest = k) from unnest(keys) k
    on conflict do nothing
  )
  insert into regstat.blob_refs (digest) select k from unnest(keys) k order by 1 on conflict do nothing;
end $$;

create or replace function regstat.settle_forget(tx bigint) returns void
language plpgsql as $$
begin
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
end $$;

-- A settle's statements take their keys as arrays, whose length a custom plan sees: PostgreSQL then preferred
-- planning each statement again at every settle (a third of a settle's time, measured), over its one generic
-- plan. Every lookup of the settle is an index probe by key (above), which a generic plan keeps.
alter function regstat.settle_aggregates() set plan_cache_mode = force_generic_plan;
