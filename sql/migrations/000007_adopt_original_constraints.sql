-- A database made by the original Go regstat (test/support/original-regstat.ts holds its DDL) declares
-- constraints regstat's own schema does not. On a database regstat created, every statement here changes
-- nothing. Every row and every column name stays.

-- The original learned a push time with every row it wrote. regstat often does not: a blob first seen in a
-- pull or named by a manifest's references, a manifest first seen pulled, a tag or digest added by sync,
-- and the deleted_ rows they become. Refusing those rows would refuse the events that bring them.
alter table regstat.blobs alter column pushed drop not null;
alter table regstat.manifests alter column pushed drop not null;
alter table regstat.tags alter column pushed drop not null;
alter table regstat.deleted_blobs alter column pushed drop not null;
alter table regstat.deleted_manifests alter column pushed drop not null;
alter table regstat.deleted_tags alter column pushed drop not null;
-- A tag deleted by name that regstat never saw pushed is recorded without the digest it pointed at.
alter table regstat.deleted_tags alter column manifest_digest drop not null;

-- The original indexed manifest_blob and deleted_manifest_blob by blob_digest under its own names, next to
-- which 000001 created regstat's: the same index twice, each kept up to date on every write.
drop index if exists regstat.blob_digest;
drop index if exists regstat.deleted_blob_digest;
