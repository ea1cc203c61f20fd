import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { METRICS_TOP_REPOSITORIES } from "../../src/metrics/registry-state.ts";
import { type App, daysAgo, deliver, report } from "../reports/support.ts";
import { testApp } from "../support/app.ts";
import { freshDb, stoppablePostgres } from "../support/db.ts";
import { digestOf, image, pullManifest } from "../support/events.ts";
import { allFixtures } from "../support/fixtures.ts";
import { parseMetrics } from "./parse.ts";

const HOST = "registry.test:5000";
let db: Db;
let app: App;

beforeAll(async () => {
  db = await freshDb();
  app = testApp(db);
  for (const request of await allFixtures()) {
    expect((await app.post(request.body, { "content-type": request.headers["content-type"]! })).status).toBe(200);
  }
  // pushed 100, 60, 40 and 10 days ago; the 60-day one pulled 5 days ago
  for (const [i, age] of [100, 60, 40, 10].entries()) {
    const img = image(`state-${i}`, { repository: `state/app-${i}`, tag: "v1", layers: [digestOf(`state-layer-${i}`)] });
    await deliver(app, ...img.blobPushes.map((e) => ({ ...e, timestamp: daysAgo(age) })), img.push({ timestamp: daysAgo(age) }));
    if (age === 60)
      await deliver(app, pullManifest({ repository: `state/app-${i}`, digest: img.digest, tag: "v1", timestamp: daysAgo(5) }));
  }
});
afterAll(() => db.close());

async function scrape(on: App = app) {
  const response = await on.app.request("/metrics");
  expect(response.status).toBe(200);
  return parseMetrics(await response.text());
}

describe("the registry's contents in /metrics", () => {
  test("storage bytes by kind are the storage report's", async () => {
    const m = await scrape();
    const storage = (await report(app, "storage")).rows[0];
    for (const kind of ["deduplicated", "summed", "orphaned", "untagged"]) {
      expect(m.get(`regstat_storage_bytes{kind="${kind}"}`)).toBe(storage[`${kind}_bytes`]);
    }
    expect(storage.deduplicated_bytes).toBeGreaterThan(0);
  });

  test("repositories, images and tags per registry are the registries report's", async () => {
    const m = await scrape();
    const registries = (await report(app, "registries")).rows;
    expect(registries.length).toBe(2);
    for (const r of registries) {
      expect(m.get(`regstat_registry_repositories{registry="${r.registry}"}`)).toBe(r.repositories);
      expect(m.get(`regstat_registry_images{registry="${r.registry}"}`)).toBe(r.images);
      expect(m.get(`regstat_registry_tags{registry="${r.registry}"}`)).toBe(r.tags);
    }
  });

  test("the largest repositories by bytes, a bounded number of series, are the largest-repositories report's", async () => {
    for (let i = 0; i < METRICS_TOP_REPOSITORIES + 5; i++) {
      const img = image(`state-many-${i}`, { repository: `state/many-${String(i).padStart(2, "0")}`, tag: "v1" });
      const now = new Date().toISOString();
      await deliver(app, ...img.blobPushes.map((e) => ({ ...e, timestamp: now })), img.push({ timestamp: now }));
    }
    const m = await scrape();
    const largest = (await report(app, "largest-repositories", { limit: METRICS_TOP_REPOSITORIES })).rows;
    const served = [...m.entries()].filter(([k]) => k.startsWith("regstat_repository_bytes{"));
    expect(served.length).toBe(METRICS_TOP_REPOSITORIES);
    expect(new Map(served)).toEqual(
      new Map(largest.map((r: any) => [`regstat_repository_bytes{registry="${r.registry}",repository="${r.repository}"}`, r.bytes])),
    );
  });

  test("tags not pulled for 30 and 90 days: as many as the not-pulled report lists", async () => {
    const m = await scrape();
    for (const days of [30, 90]) {
      const rows = (await report(app, "not-pulled", { days, registry: HOST, limit: 1000 })).rows;
      expect(m.get(`regstat_registry_tags_not_pulled{registry="${HOST}",days="${days}"}`)).toBe(rows.length);
    }
    expect(m.get(`regstat_registry_tags_not_pulled{registry="${HOST}",days="30"}`)).toBe(2); // 100 and 40 days
    expect(m.get(`regstat_registry_tags_not_pulled{registry="${HOST}",days="90"}`)).toBe(1);
  });

  test("when the database stops, the page still comes, with database_up 0 and none of the figures it showed", async () => {
    const stopping = await stoppablePostgres();
    try {
      const on = testApp(stopping.db);
      const img = image("state-stopped", { repository: "state/stopped", tag: "v1" });
      await deliver(on, ...img.blobPushes, img.push());
      const figures = (m: Map<string, number>) =>
        [...m.keys()].filter((k) => k.startsWith("regstat_storage_bytes") || k.startsWith("regstat_registry_"));
      const up = await scrape(on);
      expect(up.get("regstat_database_up")).toBe(1);
      expect(figures(up)).toContain('regstat_registry_tags{registry="registry.test:5000"}');
      await stopping.halt();
      const down = await scrape(on);
      expect(down.get("regstat_database_up")).toBe(0);
      expect(figures(down)).toEqual([]);
    } finally {
      await stopping.close();
    }
  });
});
