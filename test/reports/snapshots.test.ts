import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { openPostgres } from "../../src/db/postgres.ts";
import { silentLogger } from "../../src/log.ts";
import { refreshAfterNow, refreshReportSnapshots, startReportRefresh } from "../../src/reports/snapshots.ts";
import { testApp } from "../support/app.ts";
import { dbKind, freshDb } from "../support/db.ts";
import { digestOf, HOST, image, pushBlob } from "../support/events.ts";
import { deliver, report, type App } from "./support.ts";

// storage and missing-blobs read snapshots computed ahead: they answer what the registry was at `as_of`
// until the next refresh. Every blob push here is 1000 bytes, every manifest 345.
const B = 1000;
const M = 345;
const whole = image("snap-whole", { repository: "snap/a", tag: "v1" });
// pushed without its layers: the repository never saw them
const partial = image("snap-partial", { repository: "snap/c", tag: "v1", layers: ["l1", "l2", "l3"].map((l) => digestOf(`snap/${l}`)) });

describe("report snapshots", () => {
  let db: Db;
  let app: App;
  beforeAll(async () => {
    db = await freshDb();
    app = testApp(db);
  });
  afterAll(() => db.close());

  test("storage answers as of its last refresh, and the refresh brings in what was stored since", async () => {
    await deliver(app, ...whole.blobPushes, whole.push());
    const before = await report(app, "storage");
    expect(before.rows[0]).toEqual({ deduplicated_bytes: 0, summed_bytes: 0, orphaned_bytes: 0, untagged_bytes: 0 });
    expect(before.as_of).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    expect((await refreshReportSnapshots(db)).refreshed).toBe(true);
    const after = await report(app, "storage");
    expect(after.rows[0]).toEqual({ deduplicated_bytes: 2 * B + M, summed_bytes: 2 * B + M, orphaned_bytes: 0, untagged_bytes: 0 });
    expect(Date.parse(after.as_of)).toBeGreaterThan(Date.parse(before.as_of));
    const [stored] = await db.query<{ refreshed: Date }>("select refreshed from regstat.report_snapshots");
    expect(after.as_of).toBe(stored!.refreshed.toISOString());

    // a blob no manifest references: orphaned from the next refresh on, and within a grace it is left out
    await deliver(app, pushBlob({ repository: "snap/a", digest: digestOf("snap/orphan"), size: 7000, timestamp: new Date().toISOString() }));
    expect((await report(app, "storage", { grace: "0" })).rows[0].orphaned_bytes).toBe(0);
    const fresh = await report(app, "storage", { grace: "0", fresh: "true" });
    expect(fresh.rows[0]).toMatchObject({ deduplicated_bytes: 2 * B + M + 7000, orphaned_bytes: 7000 });
    expect(Date.parse(fresh.as_of)).toBeGreaterThan(Date.parse(after.as_of));
    expect((await report(app, "storage", { grace: "1h" })).rows[0].orphaned_bytes).toBe(0);
  });

  test("missing-blobs pages over the snapshot with the cursor, filtered by registry and repository prefix", async () => {
    await deliver(app, partial.blobPushes[0]!, partial.push());
    expect((await report(app, "missing-blobs")).rows).toEqual([]);
    const all = await report(app, "missing-blobs", { fresh: "true" });
    expect(all.rows.map((r: any) => [r.registry, r.repository, r.digest, r.manifest, r.blob, r.reason, r.blob_deleted])).toEqual(
      [...partial.layers].sort().map((layer) => [HOST, "snap/c", partial.digest, partial.digest, layer, "never_seen", null]),
    );
    const walked = [];
    let cursor: string | null = null;
    do {
      const page: any = await report(app, "missing-blobs", cursor ? { limit: 1, cursor } : { limit: 1 });
      expect(page.as_of).toBe(all.as_of);
      walked.push(...page.rows);
      cursor = page.next_cursor;
    } while (cursor);
    expect(walked).toEqual(all.rows);
    expect((await report(app, "missing-blobs", { repository: "snap/c", registry: HOST })).rows).toHaveLength(3);
    expect((await report(app, "missing-blobs", { repository: "snap/a" })).rows).toEqual([]);
    expect((await report(app, "missing-blobs", { registry: "elsewhere:5000" })).rows).toEqual([]);
  });

  test("CSV carries as_of in a header; fresh is checked, and only the snapshot reports take it", async () => {
    const json = await report(app, "missing-blobs");
    const csv = await app.app.request("/reports/missing-blobs?format=csv");
    expect(csv.headers.get("x-report-as-of")).toBe(json.as_of);
    expect((await csv.text()).split("\r\n")[0]).toBe("registry,repository,digest,manifest,blob,reason,blob_deleted");
    const bad = await report(app, "storage", { fresh: "maybe" }, 400);
    expect(bad.error).toMatchObject({ code: "invalid_parameter", details: { parameter: "fresh", allowed: "true or false" } });
    expect((await report(app, "images", { fresh: "true" }, 400)).error.code).toBe("unknown_parameter");
    expect((await report(app, "images")).as_of).toBeUndefined();
  });

  test("requests for a fresh answer during a refresh share the next one", async () => {
    const first = refreshAfterNow(db);
    const second = refreshAfterNow(db);
    const third = refreshAfterNow(db);
    expect(second).toBe(third);
    expect(second).not.toBe(first);
    expect((await Promise.all([first, second, third])).map((r) => r.refreshed)).toEqual([true, true, true]);
  });

  test("the server's refresher recomputes a snapshot once it is older than the interval", async () => {
    const interval = 300;
    expect((await refreshReportSnapshots(db, { olderThanMs: 60_000 })).refreshed).toBe(false);
    const before = (await report(app, "storage")).rows[0].deduplicated_bytes;
    const extra = image("snap-later", { repository: "snap/d", tag: "v1" });
    await deliver(app, ...extra.blobPushes, extra.push());
    const refresher = startReportRefresh({ db, intervalMs: interval, log: silentLogger }, { checkEveryMs: 50 });
    try {
      const deadline = Date.now() + 20_000;
      let answer = await report(app, "storage");
      while (answer.rows[0].deduplicated_bytes === before && Date.now() < deadline) {
        await Bun.sleep(50);
        answer = await report(app, "storage");
      }
      expect(answer.rows[0].deduplicated_bytes).toBe(before + 2 * B + M);
    } finally {
      await refresher.stop();
    }
  });

  // Another process's refresh holds the lock: only a real PostgreSQL has a second session to hold it from.
  if (dbKind === "postgres") {
    test("while another session refreshes, the background gives way and a waiting refresh waits", async () => {
      const [row] = await db.query<{ name: string }>("select current_database() as name");
      const other = openPostgres(new URL(`/${row!.name}`, process.env.REGSTAT_TEST_PG).toString(), { max: 1 });
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const holding = new Promise<void>((resolve) => (locked = resolve));
      const holder = other.transaction(async (tx) => {
        await tx.query("select pg_advisory_xact_lock($1)", [0x7265_7073]);
        locked();
        await held;
      });
      try {
        await holding;
        expect(await refreshReportSnapshots(db, { wait: false })).toEqual({ refreshed: false });
        const waiting = refreshReportSnapshots(db);
        await Bun.sleep(300);
        release();
        expect((await waiting).refreshed).toBe(true);
      } finally {
        release();
        await holder;
        await other.close();
      }
    });
  }
});
