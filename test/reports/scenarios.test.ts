import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { testApp } from "../support/app.ts";
import { expectConsistent } from "../support/check.ts";
import { freshDb } from "../support/db.ts";
import {
  deleteDigest,
  digestOf,
  HOST,
  image,
  mountBlob,
  OCI_INDEX,
  OCI_MANIFEST,
  pullManifest,
  pushBlob,
  pushManifest,
  ref,
} from "../support/events.ts";
import { type App, daysAgo, deliver, report } from "./support.ts";

// A registry built from generated events, each shape's answer known by construction. Sizes (the factories'
// defaults): every blob pushed is 1000 bytes, every image manifest 345.
const B = 1000;
const M = 345;
const shared = digestOf("shared-base-layer");
const old = image("old", { repository: "team/app", tag: "v1", layers: [shared, digestOf("old/own")] });
const repointed = image("new", { repository: "team/app", tag: "v1", layers: [shared, digestOf("new/own")] });
const copied = image("copied", { repository: "team/lib", tag: "stable" });
const idle = image("idle", { repository: "team/idle", tag: "never-pulled" });
const amd64 = image("amd64", { repository: "team/multi", layers: [shared, digestOf("amd64/own")] });
const arm64 = image("arm64", { repository: "team/multi", layers: [shared, digestOf("arm64/own")] });
const INDEX = digestOf("multi/index");
const orphanOld = digestOf("orphan/old");
const orphanFresh = digestOf("orphan/fresh");

describe("reports on generated scenarios", () => {
  let db: Db;
  let app: App;
  beforeAll(async () => {
    db = await freshDb();
    app = testApp(db);
    await deliver(
      app,
      // a tag re-pointed, the two pushes delivered newest first (events out of order)
      ...repointed.blobPushes.map((e) => ({ ...e, timestamp: daysAgo(40) })),
      repointed.push({ timestamp: daysAgo(40) }),
      ...old.blobPushes.map((e) => ({ ...e, timestamp: daysAgo(50) })),
      old.push({ timestamp: daysAgo(50) }),
      // a manifest in two repositories, deleted from the second
      ...copied.blobPushes.map((e) => ({ ...e, timestamp: daysAgo(30) })),
      copied.push({ timestamp: daysAgo(30) }),
      mountBlob({ repository: "team/copy", digest: copied.config, from: "team/lib", timestamp: daysAgo(30) }),
      mountBlob({ repository: "team/copy", digest: copied.layers[0]!, from: "team/lib", timestamp: daysAgo(30) }),
      pushManifest({
        repository: "team/copy",
        digest: copied.digest,
        tag: "stable",
        references: copied.references,
        timestamp: daysAgo(30),
      }),
      deleteDigest({ repository: "team/copy", digest: copied.digest, timestamp: daysAgo(29) }),
      // a pulled image (a HEAD does not count) and a never-pulled one
      pullManifest({ repository: "team/lib", digest: copied.digest, tag: "stable", timestamp: daysAgo(2) }),
      pullManifest({ repository: "team/lib", digest: copied.digest, tag: "stable", method: "HEAD", timestamp: daysAgo(1) }),
      ...idle.blobPushes.map((e) => ({ ...e, timestamp: daysAgo(20) })),
      idle.push({ timestamp: daysAgo(20) }),
      // an index and its two platforms, which share a base layer
      ...[...amd64.blobPushes, ...arm64.blobPushes].map((e) => ({ ...e, timestamp: daysAgo(10) })),
      amd64.push({ tag: undefined, timestamp: daysAgo(10) }),
      arm64.push({ tag: undefined, timestamp: daysAgo(10) }),
      pushManifest({
        repository: "team/multi",
        digest: INDEX,
        mediaType: OCI_INDEX,
        size: 500,
        tag: "latest",
        timestamp: daysAgo(10),
        references: [ref(OCI_MANIFEST, amd64.digest, 345), ref(OCI_MANIFEST, arm64.digest, 345)],
      }),
      // blobs no manifest references: one pushed long ago, one a moment ago (a push in flight)
      pushBlob({ repository: "team/app", digest: orphanOld, size: 7000, timestamp: daysAgo(3) }),
      pushBlob({ repository: "team/app", digest: orphanFresh, size: 9000, timestamp: daysAgo(0) }),
    );
  });
  afterAll(() => db.close());

  test("every kept figure equals its recomputation", () => expectConsistent(db));

  test("images: the re-pointed tag shows its newest push; the deleted copy is gone; the index counts its platforms", async () => {
    const { rows } = await report(app, "images");
    expect(rows.map((r: any) => [r.repository, r.tag, r.digest])).toEqual([
      ["team/app", "v1", repointed.digest],
      ["team/idle", "never-pulled", idle.digest],
      ["team/lib", "stable", copied.digest],
      ["team/multi", "latest", INDEX],
    ]);
    // each platform: 345 + config 400 + two layers; the shared base layer once
    expect(rows[3].size).toBe(500 + 2 * M + 2 * B + 3 * B);
    expect(rows[0].size).toBe(M + B + 2 * B);
    expect(rows[2].pull_count).toBe(1);
    expect(Date.now() - Date.parse(rows[2].pulled)).toBeGreaterThan(2 * 86_400_000 - 60_000);
    expect(Date.now() - Date.parse(rows[2].pulled)).toBeLessThan(2 * 86_400_000 + 60_000);
    expect(rows[1]).toMatchObject({ pull_count: 0, pulled: null });
  });

  test("pages: walking images one row at a time with the cursor gives the whole list once", async () => {
    const all = (await report(app, "images")).rows;
    const walked = [];
    let cursor: string | null = null;
    do {
      const page: any = await report(app, "images", cursor ? { limit: 1, cursor } : { limit: 1 });
      walked.push(...page.rows);
      cursor = page.next_cursor;
    } while (cursor);
    expect(walked).toEqual(all);
  });

  test("registry and repository prefix filter the lists", async () => {
    expect((await report(app, "images", { repository: "team/m" })).rows.map((r: any) => r.tag)).toEqual(["latest"]);
    expect((await report(app, "images", { registry: "elsewhere:5000" })).rows).toEqual([]);
    expect((await report(app, "images", { registry: HOST, repository: "team/" })).rows).toHaveLength(4);
    expect((await report(app, "repositories", { repository: "team/l" })).rows.map((r: any) => r.repository)).toEqual(["team/lib"]);
  });

  test("older-than and not-pulled: ages from the push, and from the last GET pull", async () => {
    expect((await report(app, "older-than", { days: 35 })).rows.map((r: any) => r.tag)).toEqual(["v1"]);
    expect((await report(app, "older-than", { days: 0 })).rows.map((r: any) => r.repository)).toEqual([
      "team/app",
      "team/lib",
      "team/idle",
      "team/multi",
    ]);
    // team/lib was pulled 2 days ago (its HEAD a day ago is not a pull); the others never
    const idle5 = await report(app, "not-pulled", { days: 5 });
    expect(idle5.rows.map((r: any) => r.repository)).toEqual(["team/app", "team/idle", "team/multi"]);
    expect(idle5.rows[1].idle_since).toBe(idle5.rows[1].pushed);
    expect((await report(app, "not-pulled", { days: 1 })).rows.map((r: any) => r.repository)).toContain("team/lib");
    expect((await report(app, "not-pulled", { months: 1 })).rows.map((r: any) => r.repository)).toEqual(["team/app"]);
  });

  test("orphaned-blobs: the unreferenced blob; the fresh one only without grace; not the re-pointed tag's old image", async () => {
    // the old manifest is untagged but still in team/app, so its blobs are referenced
    const { rows } = await report(app, "orphaned-blobs");
    expect(rows.map((r: any) => r.digest)).toEqual([orphanOld]);
    expect(rows[0]).toMatchObject({ size: 7000, repositories: 1 });
    const noGrace = await report(app, "orphaned-blobs", { grace: "0" });
    expect(noGrace.rows.map((r: any) => r.digest)).toContain(orphanFresh);
    // the shared base layer and the deleted copy's blobs stay: live manifests still reference them
    expect(noGrace.rows.map((r: any) => r.digest)).not.toContain(shared);
    expect(noGrace.rows.map((r: any) => r.digest)).not.toContain(copied.layers[0]);
  });

  test("missing-blobs: none here, though team/copy deleted its manifest and holds its blobs", async () => {
    expect((await report(app, "missing-blobs", { fresh: "true" })).rows).toEqual([]);
  });

  test("repositories: deduplicated bytes per repository, the deleted copy not listed", async () => {
    const { rows } = await report(app, "repositories");
    expect(rows.map((r: any) => r.repository)).toEqual(["team/app", "team/idle", "team/lib", "team/multi"]);
    // team/app: the re-pointed tag's manifest and the old one (untagged, still held); two configs, the
    // shared layer once, each image's own layer; the unreferenced blob it holds is not an image's
    expect(rows[0]).toMatchObject({ tags: 1, manifests: 2, bytes: 2 * M + 2 * B + 3 * B });
    expect(rows[2]).toMatchObject({ repository: "team/lib", pulls: 1, manifests: 1, bytes: M + 2 * B });
    expect(rows[3]).toMatchObject({ manifests: 3, bytes: 500 + 2 * M + 2 * B + 3 * B });
  });

  test("storage: deduplicated, summed, orphaned and untagged bytes", async () => {
    const { rows } = await report(app, "storage", { fresh: "true" });
    const blobs = (await report(app, "blobs")).rows[0];
    // blobs: 6 configs, 7 layers (the shared one once), the two unreferenced ones
    expect(blobs).toEqual({ blobs: 15, bytes: 13 * B + 7000 + 9000, blobs_of_unknown_size: 0 });
    expect(rows[0]).toEqual({
      // six image manifests (the deleted copy is still in team/lib) and the index
      deduplicated_bytes: blobs.bytes + 6 * M + 500,
      // team/app:v1, team/idle, team/lib, team/multi (the shared layer once within the index)
      summed_bytes: M + 3 * B + (M + 2 * B) + (M + 2 * B) + (500 + 2 * M + 5 * B),
      orphaned_bytes: 7000,
      // the old image: its manifest, config and own layer (the shared layer is used by tagged images)
      untagged_bytes: M + 2 * B,
    });
  });
});
