-- The tables of the original Go regstat, with its columns and keys (its DDL, NOT NULLs included, is in
-- test/support/original-regstat.ts; 000007 relaxes what regstat cannot keep). A database it made has them;
-- a new one gets the same starting point, so both take the same path through every later migration.
create table if not exists regstat.blobs (
  digest text primary key,
  pushed timestamp,
  pulled timestamp
);

create table if not exists regstat.manifests (
  digest text primary key,
  pushed timestamp,
  pulled timestamp
);

create table if not exists regstat.manifest_blob (
  manifest_digest text not null references regstat.manifests (digest),
  blob_digest text not null references regstat.blobs (digest),
  primary key (manifest_digest, blob_digest)
);
create index if not exists manifest_blob_blob_digest_idx on regstat.manifest_blob (blob_digest);

create table if not exists regstat.tags (
  name text primary key,
  registry text,
  repository text,
  tag text,
  manifest_digest text references regstat.manifests (digest),
  pushed timestamp,
  pulled timestamp
);

create table if not exists regstat.deleted_blobs (
  digest text primary key,
  pushed timestamp,
  pulled timestamp,
  deleted timestamp
);

create table if not exists regstat.deleted_manifests (
  digest text primary key,
  pushed timestamp,
  pulled timestamp,
  deleted timestamp
);

create table if not exists regstat.deleted_manifest_blob (
  manifest_digest text not null,
  blob_digest text not null,
  primary key (manifest_digest, blob_digest)
);
create index if not exists deleted_manifest_blob_blob_digest_idx on regstat.deleted_manifest_blob (blob_digest);

create table if not exists regstat.deleted_tags (
  name text primary key,
  registry text,
  repository text,
  tag text,
  manifest_digest text,
  pushed timestamp,
  pulled timestamp,
  deleted timestamp
);
