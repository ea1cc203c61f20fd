import type { Db } from "../../src/db/db.ts";
import { rows } from "./app.ts";

/** Everything regstat derives from events: what must not depend on delivery order or repetition. */
export async function ingestState(db: Db) {
  return {
    manifests: await rows(db, "manifests", "digest"),
    blobs: await rows(db, "blobs", "digest"),
    tags: await rows(db, "tags", "name"),
    manifest_blob: await rows(db, "manifest_blob", "manifest_digest, blob_digest"),
    manifest_children: await rows(db, "manifest_children", "parent_digest, child_digest"),
    repository_manifests: await rows(db, "repository_manifests", "registry, repository, digest"),
    repository_blobs: await rows(db, "repository_blobs", "registry, repository, digest"),
    deleted_manifests: await rows(db, "deleted_manifests", "digest"),
    deleted_blobs: await rows(db, "deleted_blobs", "digest"),
    deleted_tags: await rows(db, "deleted_tags", "name"),
    deleted_manifest_blob: await rows(db, "deleted_manifest_blob", "manifest_digest, blob_digest"),
    deletions: await rows(db, "deletions", "event_id"),
    events: (await db.query<{ n: number }>("select count(*)::int as n from regstat.events"))[0]!.n,
    fetch_jobs: await db.query("select digest, registry, repository, state from regstat.fetch_jobs order by digest"),
  };
}
