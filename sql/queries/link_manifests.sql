-- What manifests reference ($1: [{digest, blobs: [{digest, media_type, size}], children: [...]}]):
-- the config and layer blobs of an image, the child manifests of a list or index. Used for the
-- references a registry sends and for the manifests regstat fetches back from it.
with input as (
  select i.digest, i.blobs, i.children
  from jsonb_to_recordset($1::jsonb) as i (digest text, blobs jsonb, children jsonb)
  where exists (select 1 from regstat.manifests m where m.digest = i.digest)
),
blob_refs as (
  select distinct i.digest as manifest_digest, b.digest, b.media_type, b.size
  from input i
  cross join lateral jsonb_to_recordset(coalesce(i.blobs, '[]')) as b (digest text, media_type text, size bigint)
),
-- Docker and OCI manifests can name one blob by two media types; the least is kept, whatever the order.
known_blobs as (
  insert into regstat.blobs as b (digest, media_type, size)
  select digest, min(media_type), max(size) from blob_refs group by digest order by digest
  on conflict (digest) do update set
    media_type = least(b.media_type, excluded.media_type),
    size = coalesce(b.size, excluded.size)
  where b.media_type is distinct from least(b.media_type, excluded.media_type) or b.size is null
),
links as (
  insert into regstat.manifest_blob (manifest_digest, blob_digest)
  select manifest_digest, digest from blob_refs order by 1, 2
  on conflict do nothing
)
insert into regstat.manifest_children (parent_digest, child_digest, media_type, size)
select distinct on (i.digest, c.digest) i.digest, c.digest, c.media_type, c.size
from input i
cross join lateral jsonb_to_recordset(coalesce(i.children, '[]')) as c (digest text, media_type text, size bigint)
order by i.digest, c.digest
on conflict do nothing
