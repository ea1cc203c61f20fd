-- Indexes for the reports (sql/queries/report_*.sql): each report's page is read in index order and
-- stops after `limit` rows, whatever the size of the registry. Names are compared in byte order
-- (collate "C") so that a repository prefix is an index range on every database, whatever its locale.

-- images, most-tagged: tags in (registry, repository, tag) order
create index if not exists tags_report_name_idx
  on regstat.tags (registry collate "C", repository collate "C", tag collate "C");
-- most-tagged: tags counted per manifest from the index alone
create index if not exists tags_report_manifest_idx
  on regstat.tags (manifest_digest, registry collate "C", repository collate "C");
-- older-than: oldest push first
create index if not exists tags_report_pushed_idx
  on regstat.tags (pushed, registry collate "C", repository collate "C", tag collate "C")
  where pushed is not null;
-- not-pulled: longest idle first
create index if not exists tags_report_idle_idx
  on regstat.tags ((coalesce(pulled, pushed)), registry collate "C", repository collate "C", tag collate "C")
  where coalesce(pulled, pushed) is not null;

-- repositories, missing-blobs: the live manifests of each repository, repositories in order
create index if not exists repository_manifests_report_live_idx
  on regstat.repository_manifests (registry collate "C", repository collate "C", digest collate "C")
  where deleted is null;
-- orphaned-blobs, storage: is this manifest live anywhere?
create index if not exists repository_manifests_live_digest_idx
  on regstat.repository_manifests (digest)
  where deleted is null;

-- deletions: newest first, ties by event id
create index if not exists deletions_report_idx on regstat.deletions (deleted, event_id);
