-- The live aggregates' bookkeeping at a lower cost per statement (issue 13), the same notes and figures.

-- The note triggers (migration 11) read their transition tables directly, each operation its own query:
-- they copied both into arrays first and compared them, twice per upsert (its insert and its update each
-- fire one), so a pull, which changes no holding and notes nothing, paid that for every row it touched.
do $$
declare
  t record;
  -- One note query; %1$s is where its rows come from, each with was_there (a row from before the statement).
  note constant text := $q$
          with noted as (
            insert into regstat.%2$s (txid, %3$s)
            select txid_current(), %4$s from (%1$s) x
            where %5$s
            order by was_there desc
            on conflict do nothing
            returning 1
          )
          insert into regstat.pending_settle (txid) select txid_current() where exists (select 1 from noted)
          on conflict do nothing;$q$;
begin
  for t in select * from (values
    ('manifests', 'pending_manifests', 'digest', 'digest, size', 'digest', 'true'),
    ('blobs', 'pending_blobs', 'digest', 'digest, size', 'digest', 'true'),
    ('tags', 'pending_manifests', 'digest', 'name, manifest_digest', 'manifest_digest', 'manifest_digest is not null'),
    ('manifest_blob', 'pending_links', 'manifest_digest, blob_digest, existed',
      'manifest_digest, blob_digest', 'manifest_digest, blob_digest, was_there', 'true'),
    ('manifest_children', 'pending_children', 'parent_digest, child_digest, existed',
      'parent_digest, child_digest, size', 'parent_digest, child_digest, was_there', 'true'),
    ('repository_manifests', 'pending_held_manifests', 'registry, repository, digest, was_live',
      'registry, repository, digest, deleted is null as live', 'registry, repository, digest, was_there and live', 'was_there or live'),
    ('repository_blobs', 'pending_held_blobs', 'registry, repository, digest, was_live',
      'registry, repository, digest, deleted is null as live', 'registry, repository, digest, was_there and live', 'true')
  ) as x (tab, pending, cols, rel, picked, kept)
  loop
    execute format($f$
      create or replace function regstat.note_%1$s() returns trigger
      language plpgsql set enable_hashjoin = on set jit = off as $body$
      begin
        if tg_op = 'INSERT' then %2$s
        elsif tg_op = 'DELETE' then %3$s
        else %4$s
        end if;
        return null;
      end $body$
    $f$, t.tab,
      format(note, format('select false as was_there, %s from new_rows', t.rel), t.pending, t.cols, t.picked, t.kept),
      format(note, format('select true as was_there, %s from old_rows', t.rel), t.pending, t.cols, t.picked, t.kept),
      format(note, format(
        'select true as was_there, * from (select %1$s from old_rows except select %1$s from new_rows) g '
        'union all select false, * from (select %1$s from new_rows except select %1$s from old_rows) c', t.rel),
        t.pending, t.cols, t.picked, t.kept));
  end loop;
end $$;

-- An image's bytes (migration 6), now PL/pgSQL: a SQL function holding subqueries is never inlined and was
-- planned again in every statement calling it (the settle's image sizes, the reports' rows), a PL/pgSQL one
-- once per session. The same query.
create or replace function regstat.image_size(manifest text) returns bigint
language plpgsql stable parallel safe
as $$
begin
  return coalesce((select m.size from regstat.manifests m where m.digest = manifest), 0)
    + coalesce((select sum(c.size) from regstat.manifest_children c where c.parent_digest = manifest), 0)
    + coalesce((
        select sum((select b.size from regstat.blobs b where b.digest = x.blob_digest))
        from (
          select mb.blob_digest from regstat.manifest_blob mb where mb.manifest_digest = manifest
          union
          select mb.blob_digest
          from regstat.manifest_children c
          join regstat.manifest_blob mb on mb.manifest_digest = c.child_digest
          where c.parent_digest = manifest
        ) x
      ), 0);
end $$;
