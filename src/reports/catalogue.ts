import type { Queryable, Row } from "../db/db.ts";
import { queries } from "../sql.ts";
import { cleanupReports } from "./cleanup-reports.ts";
import type { Key } from "./cursor.ts";
import type { ParamName } from "./params.ts";
import type { Answer } from "./run.ts";

export type Values = Partial<Record<ParamName, unknown>> & { registry: string; repository: string };

export type Report = {
  name: string;
  description: string;
  /** parameters besides format (and, for lists, registry, repository, limit and cursor) */
  params: ParamName[];
  /** a list is ordered stably and paged; otherwise the answer is one row */
  list: boolean;
  defaultLimit?: number;
  /** what each column holds, in order: units, and whether sizes are deduplicated or summed */
  columns: Record<string, string>;
  /** the one query answering a page (up to `limit` rows, each with its cursor_key), given `args` */
  sql?: string;
  /** the sort key before the first row */
  start: Key;
  args?(values: Values, after: Key, limit: number): unknown[];
  /** instead of `sql`: a report of several queries reads its page itself, and may answer fields beside the rows */
  page?(tx: Queryable, values: Values, after: Key, limit: number): Promise<{ rows: Row[]; fields?: Record<string, unknown> }>;
  /** `format=script`: the answer as a shell script (`given`: the parameters as the caller wrote them) */
  script?(tx: Queryable, values: Values, given: Record<string, string>): Promise<string>;
  /** headers a CSV answer carries beside its rows */
  csvHeaders?(answer: Answer): Record<string, string>;
  /** a problem with the parameters together, named by parameter */
  check?(values: Values): { parameter: string; message: string; allowed: string } | undefined;
};

const image = {
  registry: "the registry",
  repository: "the repository",
  tag: "the tag",
  digest: "the manifest the tag points at",
  media_type: "the manifest's media type",
  size: "bytes of the manifest, its platform manifests (for an index) and every blob they reference, deduplicated within the image",
  pushed: "when the tag was last pushed (ISO 8601 UTC)",
  pulled: "when the image was last pulled with GET by this tag or its digest, null if never",
  pull_count: "GET pulls of the image by this tag, or by digest in this repository",
};

/** The coverage report's columns, also in every answer's `coverage`. */
export const coverageColumns = {
  registry: "the registry",
  first_event: "the first event regstat received from it (ISO 8601 UTC): nothing before is known from events",
  last_sync: "when the last regstat sync of it started, null if never: what it found is known",
  last_sync_errors: "repositories that sync could not reconcile",
  restarts: "restarts of its processes regstat noticed (a new source.instanceID for a source.addr)",
  last_restart: "the first event of the newest restarted instance",
  events_lost_since_sync: "true when a restart (which loses the events not yet delivered) came after the last sync",
};

const filters = (v: Values) => [v.registry, v.repository];

export const reports: Report[] = [
  {
    name: "images",
    description: "The images in the registry: each live tag, ordered by registry, repository and tag.",
    params: [],
    list: true,
    columns: image,
    sql: queries.reportImages,
    start: ["", "", ""],
    args: (v, after, limit) => [...filters(v), ...after, limit],
  },
  {
    name: "blobs",
    description: "How many blobs the registry holds, and their total bytes (each blob counted once).",
    params: [],
    list: false,
    columns: {
      blobs:
        "blobs regstat knows the registry stores: pushed, mounted or named by a manifest, and not deleted from every repository that " +
        "held them",
      bytes: "their bytes, deduplicated (each blob once)",
      blobs_of_unknown_size: "blobs whose size regstat has not learned (counted as 0 bytes)",
    },
    sql: queries.reportBlobs,
    start: [],
    args: () => [],
  },
  {
    name: "older-than",
    description: "Images whose tag was last pushed more than `days` days ago, oldest push first.",
    params: ["days"],
    list: true,
    columns: image,
    sql: queries.reportOlderThan,
    start: ["-infinity", "", "", ""],
    args: (v, after, limit) => [...filters(v), v.days, ...after, limit],
    check: (v) =>
      v.days === undefined
        ? { parameter: "days", message: "days is required", allowed: "a whole number of days from 0 to 36500" }
        : undefined,
  },
  {
    name: "not-pulled",
    description:
      "Images not pulled (GET) for `days` days or `months` months, never-pulled ones included (their age counted from the push), longest " +
      "idle first.",
    params: ["days", "months"],
    list: true,
    columns: { ...image, idle_since: "the last GET pull, or the last push when there was none" },
    sql: queries.reportNotPulled,
    start: ["-infinity", "", "", ""],
    args: (v, after, limit) => [...filters(v), v.days ?? 0, v.months ?? 0, ...after, limit],
    check: (v) =>
      (v.days === undefined) === (v.months === undefined)
        ? { parameter: "days", message: "give either days or months", allowed: "days=<0 or more> or months=<0 or more>, not both" }
        : undefined,
  },
  {
    name: "orphaned-blobs",
    description:
      "Blobs no live manifest in any repository references (what the registry's garbage collector would delete), by digest. Blobs pushed " +
      "within `grace` are left out.",
    params: ["grace"],
    list: true,
    columns: {
      digest: "the blob",
      media_type: "its media type, as a manifest once named it",
      size: "its bytes",
      pushed: "when it was last pushed or mounted",
      pulled: "when it was last pulled with GET, null if never",
      repositories: "how many repositories still hold it",
    },
    sql: queries.reportOrphanedBlobs,
    start: [""],
    args: (v, after, limit) => [...filters(v), v.grace ?? 3_600_000, ...after, limit],
  },
  {
    name: "missing-blobs",
    description:
      "Images that would fail to pull: per repository, live manifests (or the platforms of a live index) referencing a blob that " +
      "repository no longer holds (deleted from it) or that regstat has never seen in it.",
    params: ["fresh"],
    list: true,
    columns: {
      registry: "the registry",
      repository: "the repository",
      digest: "the manifest the repository holds",
      manifest: "the manifest naming the blob: digest itself, or one of its platforms",
      blob: "the blob the repository lacks",
      reason: "deleted (the repository deleted it) or never_seen (regstat never saw it there)",
      blob_deleted: "when the repository deleted the blob, null if never_seen",
    },
    sql: queries.reportMissingBlobs,
    start: ["", "", "", "", ""],
    args: (v, after, limit) => [...filters(v), ...after, limit],
  },
  {
    name: "most-tagged",
    description: "Images (manifests) with the most live tags, most first.",
    params: [],
    list: true,
    defaultLimit: 10,
    columns: {
      digest: "the manifest",
      media_type: "its media type",
      size: "bytes of the image (manifest, platforms, blobs), deduplicated within the image",
      tags: "live tags pointing at it",
      repositories: "repositories those tags are in",
      first_tag: "one of those tags, registry/repository:tag (the first in byte order)",
    },
    sql: queries.reportMostTagged,
    start: [Number.MAX_SAFE_INTEGER, ""],
    args: (v, after, limit) => [...filters(v), ...after, limit],
  },
  {
    name: "repositories",
    description:
      "Per repository holding a live manifest: tags, manifests, deduplicated bytes (exclusive and shared), last push, last pull, pulls.",
    params: [],
    list: true,
    columns: {
      registry: "the registry",
      repository: "the repository",
      tags: "live tags",
      manifests: "manifests it holds",
      bytes: "bytes of those manifests, their platforms and the blobs they reference, deduplicated within the repository",
      exclusive_bytes: "of those bytes, the manifests and blobs no other repository's live manifests reference",
      shared_bytes: "the rest: bytes it shares with other repositories (bytes - exclusive_bytes)",
      last_push: "the last push of a manifest it holds",
      last_pull: "the last GET pull of a manifest it holds, null if none",
      pulls: "GET pulls of the manifests it holds",
    },
    sql: queries.reportRepositories,
    start: ["", ""],
    args: (v, after, limit) => [...filters(v), ...after, limit],
  },
  {
    name: "largest-repositories",
    description: "The repositories holding the most bytes (deduplicated within each), largest first.",
    params: [],
    list: true,
    defaultLimit: 10,
    columns: {
      registry: "the registry",
      repository: "the repository",
      bytes:
        "bytes of its live manifests, their platforms and the blobs they reference, deduplicated within the repository (the repositories " +
        "report's bytes)",
      exclusive_bytes: "of those bytes, the manifests and blobs no other repository's live manifests reference",
      shared_bytes: "the rest: bytes it shares with other repositories",
    },
    sql: queries.reportLargestRepositories,
    start: [Number.MAX_SAFE_INTEGER, "", ""],
    args: (v, after, limit) => [...filters(v), ...after, limit],
  },
  {
    name: "registries",
    description:
      "Per registry: since when regstat watches it (its first UTC day with an event), its last day with one, and its repositories, " +
      "images and tags now.",
    params: [],
    list: true,
    columns: {
      registry: "the registry",
      watched_since: "the first UTC day regstat received an event from it (YYYY-MM-DD), null if none (known from an adopted database)",
      last_active: "the last UTC day it sent an event, null if none",
      repositories: "repositories holding a live manifest",
      images: "distinct manifests live tags point at (an image tagged twice counts once)",
      tags: "live tags",
    },
    sql: queries.reportRegistries,
    start: [""],
    args: (v, after, limit) => [...filters(v), ...after, limit],
  },
  {
    name: "storage",
    description:
      "Total deduplicated bytes, bytes if every image were stored alone, and bytes held only by orphaned blobs and by untagged manifests.",
    params: ["grace", "fresh"],
    list: false,
    columns: {
      deduplicated_bytes: "every blob and manifest the registry holds, each once",
      summed_bytes: "the sum of every live tag's image size (the images report's size), as if each image were stored alone",
      orphaned_bytes: "bytes of the orphaned blobs (the orphaned-blobs report, same grace)",
      untagged_bytes: "bytes of live manifests no tag reaches, and of the blobs only they reference",
    },
    sql: queries.reportStorage,
    start: [],
    args: (v) => [v.grace ?? 3_600_000],
  },
  {
    name: "storage-history",
    description:
      "The storage figures at the end of each UTC day over the last `days` days (today: now), newest first; recorded as they change and " +
      "kept forever. Days before regstat recorded any are null.",
    params: ["days"],
    list: true,
    columns: {
      day: "the UTC day (YYYY-MM-DD)",
      deduplicated_bytes: "the storage report's deduplicated_bytes at the end of that day",
      orphaned_bytes: "bytes of every orphaned blob (the storage report with grace=0)",
      untagged_bytes: "the storage report's untagged_bytes",
      summed_bytes: "the storage report's summed_bytes",
      images: "distinct manifests live tags point at, in every registry",
      repositories: "repositories whose live manifests reach any bytes, in every registry",
    },
    sql: queries.reportStorageHistory,
    start: ["9999-12-31"],
    args: (v, after, limit) => [v.days ?? 30, ...after, limit],
    check: (v) =>
      v.registry || v.repository
        ? {
            parameter: v.registry ? "registry" : "repository",
            message: "storage-history is for every registry together; ask repository-history for repositories",
            allowed: "nothing",
          }
        : undefined,
  },
  {
    name: "repository-history",
    description:
      "Each repository's bytes at the end of each UTC day over the last `days` days (today: now), by registry, repository and day, from " +
      "its first recorded day on; kept forever.",
    params: ["days"],
    list: true,
    columns: {
      registry: "the registry",
      repository: "the repository",
      day: "the UTC day (YYYY-MM-DD)",
      bytes: "the repositories report's bytes at the end of that day (0 once it held nothing)",
      exclusive_bytes: "of those, the bytes no other repository referenced",
    },
    sql: queries.reportRepositoryHistory,
    start: ["", "", "0001-01-01"],
    args: (v, after, limit) => [...filters(v), v.days ?? 30, ...after, limit],
  },
  {
    name: "activity",
    description: "Pushes, pulls (GET), mounts and deletes per UTC day over the last `days` days, newest first.",
    params: ["days"],
    list: true,
    columns: {
      day: "the UTC day (YYYY-MM-DD)",
      pushes: "push events (blobs and manifests)",
      pulls: "GET pull events (a HEAD is not a pull, nor are regstat's own requests and --ignore-pulls-from user agents)",
      mounts: "cross-repository blob mounts",
      deletes: "delete events",
    },
    sql: queries.reportActivity,
    start: ["9999-12-31"],
    args: (v, after, limit) => [...filters(v), v.days ?? 30, ...after, limit],
  },
  {
    name: "deletions",
    description: "The deletion audit trail, newest first: what was deleted, when, from where.",
    params: ["since"],
    list: true,
    columns: {
      deleted: "when the registry reported the delete",
      kind: "manifest, blob, tag, or unknown (a digest regstat never saw)",
      registry: "the registry",
      repository: "the repository it was deleted from",
      digest: "the digest deleted, null for a tag",
      tag: "the tag deleted, null for a digest",
      event_id: "the registry's event id",
    },
    sql: queries.reportDeletions,
    start: ["infinity", ""],
    args: (v, after, limit) => [...filters(v), v.since ?? "-infinity", ...after, limit],
  },
  ...cleanupReports,
  {
    name: "coverage",
    description: "Since when regstat has been watching each registry: its first event, its last sync, and restarts that lost events.",
    params: ["registry"],
    list: false,
    columns: coverageColumns,
    sql: queries.reportCoverage,
    start: [],
    args: (v) => [v.registry],
  },
];

export const reportsByName = new Map(reports.map((r) => [r.name, r]));
