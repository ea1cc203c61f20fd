-- When each tag was last deleted by name: by the registry (a tag delete, also the one it sends after a
-- manifest delete for every tag that pointed at it), or found gone by `regstat sync`. A push or pull of the
-- tag older than that, arriving late, must not bring it back; a newer one does. `tags` keeps only live
-- tags and `deleted_tags` what each tag looked like when its last life ended: neither holds tombstones.
create table regstat.tag_tombstones (
  name text primary key,
  registry text not null,
  repository text not null,
  tag text not null,
  deleted timestamptz not null
);

-- Until now a deleted_tags row did this job: its deletion time stays a tombstone.
insert into regstat.tag_tombstones (name, registry, repository, tag, deleted)
select name, registry, repository, tag, deleted
from regstat.deleted_tags
where registry is not null and repository is not null and tag is not null and deleted is not null;

-- deleted_tags now holds only tags that lived. The rows a deletion by name of a tag regstat never saw left
-- there, without a digest, were tombstones only: they are in tag_tombstones now.
delete from regstat.deleted_tags where manifest_digest is null;
alter table regstat.deleted_tags alter column manifest_digest set not null;

-- When an event last named each live tag: its newest push or pull by tag. A pull by digest updates `pulled`
-- for the tags pointing at the digest when it arrives, but vouches for no tag: a deletion newer than `seen`
-- applies, however recent `pulled` is.
alter table regstat.tags add column seen timestamptz;
update regstat.tags set seen = greatest(pushed, pulled);
