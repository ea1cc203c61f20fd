// The one module that reads SQL: every file is imported here, so `bun build --compile` embeds it and a
// missing file fails the build.

import m000001 from "../sql/migrations/000001_original.sql" with { type: "text" };
import m000002 from "../sql/migrations/000002_state_and_activity.sql" with { type: "text" };
import m000003 from "../sql/migrations/000003_report_indexes.sql" with { type: "text" };
import m000004 from "../sql/migrations/000004_activity_rollups.sql" with { type: "text" };
import m000005 from "../sql/migrations/000005_report_snapshots.sql" with { type: "text" };
import m000006 from "../sql/migrations/000006_image_size.sql" with { type: "text" };
import m000007 from "../sql/migrations/000007_adopt_original_constraints.sql" with { type: "text" };
import m000008 from "../sql/migrations/000008_tag_tombstones.sql" with { type: "text" };
import m000009 from "../sql/migrations/000009_truthful_events.sql" with { type: "text" };
import m000010 from "../sql/migrations/000010_dead_letter_cause.sql" with { type: "text" };
import m000011 from "../sql/migrations/000011_live_aggregates.sql" with { type: "text" };
import m000012 from "../sql/migrations/000012_cleanup_plan.sql" with { type: "text" };
import m000013 from "../sql/migrations/000013_storage_history.sql" with { type: "text" };
import m000014 from "../sql/migrations/000014_gc_hazards_index.sql" with { type: "text" };
import m000015 from "../sql/migrations/000015_bounded_bookkeeping.sql" with { type: "text" };
import m000016 from "../sql/migrations/000016_settle_speed.sql" with { type: "text" };
import m000017 from "../sql/migrations/000017_ingest_speed.sql" with { type: "text" };
import m000018 from "../sql/migrations/000018_registry_marks.sql" with { type: "text" };
import m000019 from "../sql/migrations/000019_registry_counts.sql" with { type: "text" };

import classifyDeletes from "../sql/queries/classify_deletes.sql" with { type: "text" };
import deleteTags from "../sql/queries/delete_tags.sql" with { type: "text" };
import enqueueFetches from "../sql/queries/enqueue_fetches.sql" with { type: "text" };
import insertDeadLetters from "../sql/queries/insert_dead_letters.sql" with { type: "text" };
import insertEvents from "../sql/queries/insert_events.sql" with { type: "text" };
import linkManifests from "../sql/queries/link_manifests.sql" with { type: "text" };
import recordDeletions from "../sql/queries/record_deletions.sql" with { type: "text" };
import restoreLinks from "../sql/queries/restore_links.sql" with { type: "text" };
import retireBlobs from "../sql/queries/retire_blobs.sql" with { type: "text" };
import retireManifests from "../sql/queries/retire_manifests.sql" with { type: "text" };
import tombstoneRepositoryBlobs from "../sql/queries/tombstone_repository_blobs.sql" with { type: "text" };
import tombstoneRepositoryManifests from "../sql/queries/tombstone_repository_manifests.sql" with { type: "text" };
import touchTagsPulledByDigest from "../sql/queries/touch_tags_pulled_by_digest.sql" with { type: "text" };
import upsertBlobs from "../sql/queries/upsert_blobs.sql" with { type: "text" };
import upsertManifests from "../sql/queries/upsert_manifests.sql" with { type: "text" };
import upsertRepositoryBlobs from "../sql/queries/upsert_repository_blobs.sql" with { type: "text" };
import upsertRepositoryManifests from "../sql/queries/upsert_repository_manifests.sql" with { type: "text" };
import upsertTags from "../sql/queries/upsert_tags.sql" with { type: "text" };
// the registry client (issue 3)
import claimFetchJobs from "../sql/queries/claim_fetch_jobs.sql" with { type: "text" };
import enqueueChildFetches from "../sql/queries/enqueue_child_fetches.sql" with { type: "text" };
import failFetchJob from "../sql/queries/fail_fetch_job.sql" with { type: "text" };
import finishFetchJob from "../sql/queries/finish_fetch_job.sql" with { type: "text" };
import recordRegistryBlobs from "../sql/queries/record_registry_blobs.sql" with { type: "text" };
import recordRegistryManifests from "../sql/queries/record_registry_manifests.sql" with { type: "text" };
import recordRegistryTags from "../sql/queries/record_registry_tags.sql" with { type: "text" };
import retryFetchJob from "../sql/queries/retry_fetch_job.sql" with { type: "text" };
import selectManifestReferences from "../sql/queries/select_manifest_references.sql" with { type: "text" };
import selectRepositoryContents from "../sql/queries/select_repository_contents.sql" with { type: "text" };
import selectSyncRepositories from "../sql/queries/select_sync_repositories.sql" with { type: "text" };
import syncDeleteTags from "../sql/queries/sync_delete_tags.sql" with { type: "text" };
import syncTombstoneBlobs from "../sql/queries/sync_tombstone_blobs.sql" with { type: "text" };
import syncTombstoneManifests from "../sql/queries/sync_tombstone_manifests.sql" with { type: "text" };
// the reports (issue 4)
import reportActivity from "../sql/queries/report_activity.sql" with { type: "text" };
import reportBlobs from "../sql/queries/report_blobs.sql" with { type: "text" };
import reportDeletions from "../sql/queries/report_deletions.sql" with { type: "text" };
import reportImages from "../sql/queries/report_images.sql" with { type: "text" };
import reportMissingBlobs from "../sql/queries/report_missing_blobs.sql" with { type: "text" };
import reportMostTagged from "../sql/queries/report_most_tagged.sql" with { type: "text" };
import reportNotPulled from "../sql/queries/report_not_pulled.sql" with { type: "text" };
import reportOlderThan from "../sql/queries/report_older_than.sql" with { type: "text" };
import reportOrphanedBlobs from "../sql/queries/report_orphaned_blobs.sql" with { type: "text" };
import reportLargestRepositories from "../sql/queries/report_largest_repositories.sql" with { type: "text" };
import reportRepositoryHistory from "../sql/queries/report_repository_history.sql" with { type: "text" };
import reportStorageHistory from "../sql/queries/report_storage_history.sql" with { type: "text" };
import reportRegistries from "../sql/queries/report_registries.sql" with { type: "text" };
import reportRepositories from "../sql/queries/report_repositories.sql" with { type: "text" };
import reportStorage from "../sql/queries/report_storage.sql" with { type: "text" };
// the cleanup planner (issue 14)
import cleanupRepositories from "../sql/queries/cleanup_repositories.sql" with { type: "text" };
import cleanupRows from "../sql/queries/cleanup_rows.sql" with { type: "text" };
import cleanupScript from "../sql/queries/cleanup_script.sql" with { type: "text" };
import cleanupTotals from "../sql/queries/cleanup_totals.sql" with { type: "text" };
import cleanupWindow from "../sql/queries/cleanup_window.sql" with { type: "text" };
import reportGcHazards from "../sql/queries/report_gc_hazards.sql" with { type: "text" };
// production hardening (issue 5): metrics and retention
import countActivity from "../sql/queries/count_activity.sql" with { type: "text" };
import countStaleTags from "../sql/queries/count_stale_tags.sql" with { type: "text" };
import countFetchJobs from "../sql/queries/count_fetch_jobs.sql" with { type: "text" };
import lockIngest from "../sql/queries/lock_ingest.sql" with { type: "text" };
import pruneExpiredEvents from "../sql/queries/prune_expired_events.sql" with { type: "text" };
import pruneDeadLetters from "../sql/queries/prune_dead_letters.sql" with { type: "text" };
import pruneFetchJobs from "../sql/queries/prune_fetch_jobs.sql" with { type: "text" };
// live aggregates (issue 10)
import checkAggregates from "../sql/queries/check_aggregates.sql" with { type: "text" };
// ingest speed (issue 6)
import planIngest from "../sql/queries/plan_ingest.sql" with { type: "text" };
// truthful events (issue 11): dead-letter replay
import deleteDeadLetters from "../sql/queries/delete_dead_letters.sql" with { type: "text" };
import selectDeadLetters from "../sql/queries/select_dead_letters.sql" with { type: "text" };
import updateDeadLetterReasons from "../sql/queries/update_dead_letter_reasons.sql" with { type: "text" };
// truthful events (issue 11): registry restarts and coverage
import recordRegistryInstances from "../sql/queries/record_registry_instances.sql" with { type: "text" };
import recordRegistrySync from "../sql/queries/record_registry_sync.sql" with { type: "text" };
import reportCoverage from "../sql/queries/report_coverage.sql" with { type: "text" };

export const migrations = [
  { version: 1, name: "original", text: m000001 },
  { version: 2, name: "state_and_activity", text: m000002 },
  { version: 3, name: "report_indexes", text: m000003 },
  { version: 4, name: "activity_rollups", text: m000004 },
  { version: 5, name: "report_snapshots", text: m000005 },
  { version: 6, name: "image_size", text: m000006 },
  { version: 7, name: "adopt_original_constraints", text: m000007 },
  { version: 8, name: "tag_tombstones", text: m000008 },
  { version: 9, name: "truthful_events", text: m000009 },
  { version: 10, name: "dead_letter_cause", text: m000010 },
  { version: 11, name: "live_aggregates", text: m000011 },
  { version: 12, name: "cleanup_plan", text: m000012 },
  { version: 13, name: "storage_history", text: m000013 },
  { version: 14, name: "gc_hazards_index", text: m000014 },
  { version: 15, name: "bounded_bookkeeping", text: m000015 },
  { version: 16, name: "settle_speed", text: m000016 },
  { version: 17, name: "ingest_speed", text: m000017 },
  { version: 18, name: "registry_marks", text: m000018 },
  { version: 19, name: "registry_counts", text: m000019 },
];

export const queries = {
  cleanupRepositories,
  cleanupRows,
  cleanupScript,
  cleanupTotals,
  cleanupWindow,
  reportGcHazards,
  deleteDeadLetters,
  recordRegistryInstances,
  recordRegistrySync,
  reportCoverage,
  selectDeadLetters,
  updateDeadLetterReasons,
  reportActivity,
  reportBlobs,
  reportDeletions,
  reportImages,
  reportMissingBlobs,
  reportMostTagged,
  reportNotPulled,
  reportOlderThan,
  reportOrphanedBlobs,
  reportLargestRepositories,
  reportRegistries,
  reportRepositoryHistory,
  reportStorageHistory,
  reportRepositories,
  reportStorage,
  countActivity,
  countFetchJobs,
  countStaleTags,
  lockIngest,
  pruneDeadLetters,
  pruneFetchJobs,
  pruneExpiredEvents,
  planIngest,
  checkAggregates,
  claimFetchJobs,
  enqueueChildFetches,
  failFetchJob,
  finishFetchJob,
  recordRegistryBlobs,
  recordRegistryManifests,
  recordRegistryTags,
  retryFetchJob,
  selectManifestReferences,
  selectRepositoryContents,
  selectSyncRepositories,
  syncDeleteTags,
  syncTombstoneBlobs,
  syncTombstoneManifests,
  classifyDeletes,
  deleteTags,
  enqueueFetches,
  insertDeadLetters,
  insertEvents,
  linkManifests,
  recordDeletions,
  restoreLinks,
  retireBlobs,
  retireManifests,
  tombstoneRepositoryBlobs,
  tombstoneRepositoryManifests,
  touchTagsPulledByDigest,
  upsertBlobs,
  upsertManifests,
  upsertRepositoryBlobs,
  upsertRepositoryManifests,
  upsertTags,
};
