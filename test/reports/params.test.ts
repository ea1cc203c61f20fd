import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { testApp } from "../support/app.ts";
import { freshDb } from "../support/db.ts";
import { image, pullManifest } from "../support/events.ts";
import { type App, daysAgo, deliver, report } from "./support.ts";

describe("report parameters, formats and the catalogue", () => {
  let db: Db;
  let app: App;
  beforeAll(async () => {
    db = await freshDb();
    app = testApp(db);
    const img = image("p", { repository: "team/app", tag: "v1" });
    await deliver(
      app,
      ...img.blobPushes.map((e) => ({ ...e, timestamp: daysAgo(3) })),
      img.push({ timestamp: daysAgo(3) }),
      pullManifest({ repository: "team/app", digest: img.digest, tag: "v1", timestamp: daysAgo(1) }),
    );
  });
  afterAll(() => db.close());

  const error = async (path: string, status: number) => {
    const response = await app.app.request(path);
    expect(response.status).toBe(status);
    return ((await response.json()) as any).error;
  };

  test("bad values get a 400 naming the parameter and what it allows", async () => {
    for (const [query, parameter] of [
      ["older-than?days=-3", "days"],
      ["older-than?days=abc", "days"],
      ["images?limit=100000", "limit"],
      ["images?limit=0", "limit"],
      ["orphaned-blobs?grace=soon", "grace"],
      ["deletions?since=yesterday", "since"],
      ["images?cursor=bm9wZQ", "cursor"],
      ["images?format=xml", "format"],
      ["older-than", "days"],
      ["not-pulled?days=1&months=1", "days"],
    ] as const) {
      const e = await error(`/reports/${query}`, 400);
      expect(e.code).toBe("invalid_parameter");
      expect(e.details.parameter).toBe(parameter);
      expect(e.message.startsWith(`${parameter}:`)).toBe(true);
      expect(e.details.allowed.length).toBeGreaterThan(0);
    }
    expect((await error("/reports/images?limit=100000", 400)).details.allowed).toBe("a whole number from 1 to 1000");
  });

  test("an unknown parameter is a 400 listing the report's parameters; an unknown report a 404 listing the reports", async () => {
    const e = await error("/reports/images?days=3", 400);
    expect(e).toMatchObject({
      code: "unknown_parameter",
      details: { parameter: "days", allowed: ["registry", "repository", "limit", "cursor"] },
    });
    const nf = await error("/reports/nonsense", 404);
    expect(nf.code).toBe("unknown_report");
    expect(nf.details.allowed).toContain("orphaned-blobs");
    // a cursor of another report is refused
    const cursor = (await report(app, "activity", { limit: 1 })).next_cursor;
    expect((await error(`/reports/images?cursor=${cursor}`, 400)).details.parameter).toBe("cursor");
  });

  test("the catalogue lists every report with its parameters and columns", async () => {
    const response = await app.app.request("/reports");
    const { reports } = (await response.json()) as any;
    expect(reports.map((r: any) => r.name)).toEqual([
      "images",
      "blobs",
      "older-than",
      "not-pulled",
      "orphaned-blobs",
      "missing-blobs",
      "most-tagged",
      "repositories",
      "largest-repositories",
      "registries",
      "storage",
      "storage-history",
      "repository-history",
      "activity",
      "deletions",
      "cleanup",
      "cleanup-repositories",
      "gc-hazards",
      "coverage",
    ]);
    expect(reports.find((r: any) => r.name === "older-than").parameters.map((p: any) => p.name)).toEqual([
      "days",
      "registry",
      "repository",
      "limit",
      "cursor",
    ]);
  });

  test("csv: a header of the report's columns, one line a row, times ISO 8601 UTC", async () => {
    const response = await app.app.request("/reports/images?format=csv");
    expect(response.headers.get("content-type")).toStartWith("text/csv");
    const lines = (await response.text()).trimEnd().split("\r\n");
    expect(lines[0]).toBe("registry,repository,tag,digest,media_type,size,pushed,pulled,pull_count");
    expect(lines).toHaveLength(2);
    const time = String.raw`\d{4}-\d\d-\d\dT[\d:.]+Z`;
    const image = String.raw`registry\.test:5000,team/app,v1,sha256:[0-9a-f]{64},application/vnd\.oci\.image\.manifest\.v1\+json,2345`;
    expect(lines[1]).toMatch(new RegExp(`^${image},${time},${time},1$`));
  });

  test("activity: the counts kept as events are stored outlive the pruned event log", async () => {
    const day = daysAgo(1).slice(0, 10);
    const before = (await report(app, "activity", { days: 5 })).rows.find((r: any) => r.day === day);
    expect(before.pulls).toBe(1);
    // what retention does once the ingest keeps the per-day counts: delete the day's events, nothing more
    const gone = await db.query("delete from regstat.events where (ts at time zone 'UTC')::date = $1::date returning id", [day]);
    expect(gone.length).toBeGreaterThan(0);
    const after = (await report(app, "activity", { days: 5 })).rows.find((r: any) => r.day === day);
    expect(after).toEqual(before);
    const pushDay = daysAgo(3).slice(0, 10);
    expect((await report(app, "activity", { days: 5 })).rows.find((r: any) => r.day === pushDay).pushes).toBe(3);
  });
});
