-- Manifests the registry showed regstat it holds ($1: [{registry, repository, digest, media_type, size}],
-- $2: when it was asked, or null). Adds what regstat missed, fills in media type and size, and lifts a
-- repository's tombstone only when it is older than $2: a fetch ($2 null) never revives a deleted manifest.
-- Returns the repository rows it added or revived.
with input as (
  select distinct on (i.registry, i.repository, i.digest) i.*
  from jsonb_to_recordset($1::jsonb) as i (registry text, repository text, digest text, media_type text, size bigint)
  order by i.registry, i.repository, i.digest
),
wanted as (
  select i.* from input i
  where not exists (
    select 1 from regstat.repository_manifests r
    where r.registry = i.registry and r.repository = i.repository and r.digest = i.digest
      and r.deleted is not null and ($2::timestamptz is null or r.deleted > $2::timestamptz)
  )
),
manifests as (
  insert into regstat.manifests as m (digest, media_type, size)
  select digest, max(media_type), max(size) from wanted group by digest order by digest
  on conflict (digest) do update set
    media_type = coalesce(m.media_type, excluded.media_type),
    size = coalesce(m.size, excluded.size)
  where m.media_type is null or m.size is null
)
insert into regstat.repository_manifests as r (registry, repository, digest)
select registry, repository, digest from wanted order by registry, repository, digest
on conflict (registry, repository, digest) do update set deleted = null
where r.deleted is not null
returning r.registry, r.repository, r.digest
