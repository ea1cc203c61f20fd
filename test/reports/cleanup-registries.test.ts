import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { testApp } from "../support/app.ts";
import { freshDb } from "../support/db.ts";
import { digestOf, HOST, OCI_LAYER, pushBlob, pushManifest, ref } from "../support/events.ts";
import { type App, daysAgo, deliver, report } from "./support.ts";

// Each registry has its own storage: what one registry keeps frees nothing in another, and what a plan
// deletes in one is counted in that one only. The same image (one manifest over a shared base layer and a
// layer of its own) is in two registries; a second image in the first registry holds the base layer too.
const MIRROR = "mirror.test:5000";
const base = { digest: digestOf("registries/base"), size: 1 << 20 };
const own = { digest: digestOf("registries/own"), size: 1 << 4 };
const other = { digest: digestOf("registries/other"), size: 1 << 6 };
const app = { digest: digestOf("registries/app"), size: 300 };
const tool = { digest: digestOf("registries/tool"), size: 200 };

function push(host: string, repository: string, tag: string, manifest: typeof app, blobs: (typeof base)[], days: number) {
  const timestamp = daysAgo(days);
  return [
    ...blobs.map((b) => pushBlob({ host, repository, digest: b.digest, size: b.size, timestamp })),
    pushManifest({
      host,
      repository,
      tag,
      timestamp,
      digest: manifest.digest,
      size: manifest.size,
      references: blobs.map((b) => ref(OCI_LAYER, b.digest, b.size)),
    }),
  ];
}

describe("the cleanup planner across registries", () => {
  let db: Db;
  let client: App;
  beforeAll(async () => {
    db = await freshDb();
    client = testApp(db);
    await deliver(
      client,
      ...push(HOST, "team/app", "v1", app, [base, own], 10),
      ...push(HOST, "team/tool", "v1", tool, [base, other], 9),
      ...push(MIRROR, "team/app", "v1", app, [base, own], 8),
    );
  });
  afterAll(() => db.close());

  const totals = async (params: Record<string, string>) => (await report(client, "cleanup", params)).totals;

  test("an image deleted in one registry frees its bytes there, though the other registry keeps the same image", async () => {
    // the mirror holds only this image: its manifest, the base layer and its own layer all go from the mirror
    expect(await totals({ registry: MIRROR, tag: "." })).toEqual({
      reclaimable_bytes: app.size + base.size + own.size,
      tags: 1,
      manifests: 1,
      kept_tags: 0,
    });
    // in the first registry team/tool keeps the base layer
    expect(await totals({ registry: HOST, repository: "team/app", tag: "." })).toEqual({
      reclaimable_bytes: app.size + own.size,
      tags: 1,
      manifests: 1,
      kept_tags: 0,
    });
  });

  test("a plan over both registries counts each registry's storage once", async () => {
    expect(await totals({ repository: "team/app", tag: "." })).toEqual({
      reclaimable_bytes: 2 * (app.size + own.size) + base.size,
      tags: 2,
      manifests: 2,
      kept_tags: 0,
    });
    expect(await totals({ tag: "." })).toEqual({
      reclaimable_bytes: 2 * (app.size + own.size + base.size) + tool.size + other.size,
      tags: 3,
      manifests: 3,
      kept_tags: 0,
    });
  });

  test("a row's exclusive bytes are its own registry's", async () => {
    const rows = (await report(client, "cleanup", { repository: "team/app", tag: ".", totals: "false" })).rows;
    // in byte order, mirror.test sorts before registry.test
    expect(rows.map((r: any) => [r.registry, r.exclusive_bytes])).toEqual([
      [MIRROR, app.size + base.size + own.size],
      [HOST, app.size + own.size],
    ]);
  });
});
