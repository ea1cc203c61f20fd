import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { createLogger } from "../../src/log.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { startRetention } from "../../src/retention/background.ts";
import { pruneExpired, retentionCutoff } from "../../src/retention/prune.ts";
import { testApp } from "../support/app.ts";
import { expectConsistent } from "../support/check.ts";
import { freshDb } from "../support/db.ts";
import { deleteDigest, digestOf, envelope, image, mountBlob, pullBlob, pullManifest, pushBlob, pushManifest } from "../support/events.ts";

const DAY = 86_400_000;
const NOW = Date.parse("2026-06-15T12:00:00Z");
const RETENTION = 30 * DAY; // cutoff: 2026-05-16T00:00:00Z

let db: Db;
beforeAll(async () => (db = await freshDb()));
afterEach(() => expectConsistent(db));
afterAll(() => db.close());

type Row = { day: string; registry: string; repository: string; action: string; count: number };
const key = (r: Omit<Row, "count">) => `${r.day} ${r.registry} ${r.repository} ${r.action}`;

/** What the per-day counts must be: the events before `until`, counted the way the activity report reads them. */
async function expectedCounts(until: Date) {
  const events = await db.query<{ ts: Date; registry: string; repository: string; action: string; method: string | null }>(
    "select ts, registry, repository, action, method from regstat.events where ts < $1",
    [until.toISOString()],
  );
  const counts = new Map<string, number>();
  for (const e of events) {
    const action = e.action === "pull" && e.method === "HEAD" ? "head" : e.action;
    const k = key({ day: e.ts.toISOString().slice(0, 10), registry: e.registry, repository: e.repository, action });
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

async function activity() {
  const rows = await db.query<Row & { day: string | Date }>(
    "select day::text as day, registry, repository, action, count from regstat.activity_daily",
  );
  return new Map(rows.map((r) => [key({ ...r, day: String(r.day) }), r.count]));
}

const count = async (sql: string) => (await db.query<{ n: number }>(sql))[0]!.n;

describe("retention", () => {
  test("the cutoff is a UTC midnight: only whole days older than the retention are pruned", () => {
    expect(retentionCutoff(NOW, RETENTION).toISOString()).toBe("2026-05-16T00:00:00.000Z");
    expect(retentionCutoff(Date.parse("2026-06-15T00:00:00Z"), DAY).toISOString()).toBe("2026-06-14T00:00:00.000Z");
  });

  test("events are counted per day as they arrive; expired ones are deleted in batches and their counts stay", async () => {
    const { post } = testApp(db);
    const at = (iso: string) => ({ timestamp: iso });
    const repo = "keep/app";
    const layer = digestOf("ret-layer");
    const manifest = digestOf("ret-manifest");
    const old = [
      pushBlob({ repository: repo, digest: layer, ...at("2026-05-14T08:00:00Z") }),
      pushManifest({ repository: repo, digest: manifest, tag: "v1", ...at("2026-05-14T08:00:01Z") }),
      pullManifest({ repository: repo, digest: manifest, ...at("2026-05-14T23:59:59.999Z") }),
      pullManifest({ repository: repo, digest: manifest, method: "HEAD", ...at("2026-05-15T00:00:00Z") }),
      pullManifest({ repository: repo, digest: manifest, method: "HEAD", ...at("2026-05-15T01:00:00Z") }),
      pullBlob({ repository: repo, digest: layer, ...at("2026-05-15T02:00:00Z") }),
      mountBlob({ repository: "keep/other", digest: layer, from: repo, ...at("2026-05-15T03:00:00Z") }),
      pullManifest({ repository: repo, digest: manifest, host: "mirror.test", ...at("2026-05-15T04:00:00Z") }),
      deleteDigest({ repository: "keep/other", digest: layer, ...at("2026-05-15T23:59:59Z") }),
    ];
    const recent = [
      pullManifest({ repository: repo, digest: manifest, ...at("2026-05-16T00:00:00Z") }),
      pullManifest({ repository: repo, digest: manifest, ...at("2026-05-16T11:00:00Z") }),
      pullManifest({ repository: repo, digest: manifest, ...at("2026-06-01T00:00:00Z") }),
    ];
    expect((await post(envelope(...old, ...recent))).status).toBe(200);
    const stateBefore = await db.query("select * from regstat.repository_manifests order by registry, repository, digest");
    const cutoff = retentionCutoff(NOW, RETENTION);
    expect([...(await expectedCounts(cutoff)).values()].reduce((a, b) => a + b, 0)).toBe(old.length);
    const counted = await expectedCounts(new Date("9999-01-01T00:00:00Z"));
    expect(counted.get("2026-05-15 registry.test:5000 keep/app head")).toBe(2);
    // Counted on arrival, before any pruning.
    expect(await activity()).toEqual(counted);

    const result = await pruneExpired(db, { retentionMs: RETENTION, now: NOW, batchSize: 2 });
    expect(result.events).toBe(old.length);
    expect(await activity()).toEqual(counted);
    const left = await db.query<{ id: string }>("select id from regstat.events order by ts");
    expect(left.map((e) => e.id)).toEqual(recent.map((e) => e.id));
    // Pruning touches the event log only, not the state it built.
    expect(await db.query("select * from regstat.repository_manifests order by registry, repository, digest")).toEqual(stateBefore);

    // Nothing more is due, and a second pass changes nothing.
    expect(await pruneExpired(db, { retentionMs: RETENTION, now: NOW, batchSize: 2 })).toEqual({ events: 0, deadLetters: 0, fetchJobs: 0 });
    expect(await activity()).toEqual(counted);

    // An event of an expired day, arriving late, is counted when it arrives and pruned by the next pass.
    const late = pullManifest({ repository: repo, digest: manifest, method: "HEAD", ...at("2026-05-15T12:00:00Z") });
    expect((await post(envelope(late))).status).toBe(200);
    expect((await activity()).get("2026-05-15 registry.test:5000 keep/app head")).toBe(3);
    expect((await pruneExpired(db, { retentionMs: RETENTION, now: NOW })).events).toBe(1);
    expect((await activity()).get("2026-05-15 registry.test:5000 keep/app head")).toBe(3);

    // The per-registry counts are the per-repository ones added up.
    const perRegistry = await db.query(
      "select day::text as day, registry, action, count from regstat.activity_daily_registry order by 1, 2, 3",
    );
    const summed = await db.query(
      "select day::text as day, registry, action, sum(count)::bigint as count from regstat.activity_daily group by 1, 2, 3 order by 1, " +
        "2, 3",
    );
    expect(perRegistry).toEqual(summed);
  });

  test("dead letters older than the retention are pruned, in batches; newer ones stay", async () => {
    const { post } = testApp(db);
    const bad = (id: string) => ({ id, timestamp: "not a time", action: "push", target: { repository: "dead/x" } });
    expect((await post(envelope(...["d1", "d2", "d3", "d4", "d5"].map(bad)))).status).toBe(200);
    await db.query("update regstat.dead_letters set received = '2026-05-15T10:00:00Z' where id in ('d1', 'd2', 'd3')");
    await db.query("update regstat.dead_letters set received = '2026-05-16T00:00:00Z' where id = 'd4'");
    const result = await pruneExpired(db, { retentionMs: RETENTION, now: NOW, batchSize: 2 });
    expect(result.deadLetters).toBe(3);
    const left = await db.query<{ id: string }>("select id from regstat.dead_letters where id like 'd_' order by id");
    expect(left.map((r) => r.id)).toEqual(["d4", "d5"]);
  });

  test("the background pass prunes at start, counts what it pruned in /metrics, and stop() waits for it", async () => {
    const { post } = testApp(db);
    const ancient = pullManifest({ repository: "bg/app", digest: digestOf("bg"), timestamp: "2020-01-01T00:00:00Z" });
    expect((await post(envelope(ancient))).status).toBe(200);
    const cutoff = retentionCutoff(Date.now(), 90 * DAY).toISOString();
    const due = await count(`select count(*)::int as n from regstat.events where ts < '${cutoff}'`);
    expect(due).toBeGreaterThanOrEqual(1);
    const metrics = createMetrics();
    const lines: string[] = [];
    const retention = startRetention({ db, retentionMs: 90 * DAY, log: createLogger({ json: true, sink: (l) => lines.push(l) }), metrics });
    await retention.stop();
    expect(await count(`select count(*)::int as n from regstat.events where id = '${ancient.id}'`)).toBe(0);
    expect((await activity()).get("2020-01-01 registry.test:5000 bg/app pull")).toBe(1);
    expect(metrics.pruned.get({ table: "events" })).toBe(due);
    expect(await count(`select count(*)::int as n from regstat.events where ts < '${cutoff}'`)).toBe(0);
    expect(lines.map((l) => JSON.parse(l).msg)).toContain("pruned expired rows");
  });

  test(
    "fetch jobs finished (done or failed) more than 7 days ago are pruned, in batches, whatever the retention; pending ones " + "never",
    async () => {
      const jobs: [string, string, string][] = [
        ["fj-done-old", "done", "2026-06-08T11:59:59Z"],
        ["fj-failed-old", "failed", "2026-06-01T00:00:00Z"],
        ["fj-done-old-2", "done", "2026-05-01T00:00:00Z"],
        ["fj-done-recent", "done", "2026-06-08T12:00:01Z"],
        ["fj-failed-recent", "failed", "2026-06-14T00:00:00Z"],
        ["fj-pending-ancient", "pending", "2020-01-01T00:00:00Z"],
      ];
      for (const [digest, state, updated] of jobs) {
        await db.query("insert into regstat.fetch_jobs (digest, registry, repository, state, updated) values ($1, 'r', 'q', $2, $3)", [
          digest,
          state,
          updated,
        ]);
      }
      const left = async () =>
        (await db.query<{ digest: string }>("select digest from regstat.fetch_jobs where digest like 'fj-%' order by digest")).map(
          (r) => r.digest,
        );
      // Retention 0 keeps events and dead letters forever, not the fetch queue's bookkeeping.
      const result = await pruneExpired(db, { retentionMs: 0, now: NOW, batchSize: 2 });
      expect(result).toEqual({ events: 0, deadLetters: 0, fetchJobs: 3 });
      expect(await left()).toEqual(["fj-done-recent", "fj-failed-recent", "fj-pending-ancient"]);
      expect((await pruneExpired(db, { retentionMs: RETENTION, now: NOW })).fetchJobs).toBe(0);
      // The background pass does it too (at the real time, so the recent failure is made recent now), and counts it.
      await db.query("update regstat.fetch_jobs set updated = now() where digest = 'fj-failed-recent'");
      const metrics = createMetrics();
      await startRetention({ db, retentionMs: 0, log: createLogger({ sink: () => {} }), metrics }).stop();
      expect(metrics.pruned.get({ table: "fetch_jobs" })).toBe(1);
      expect(await left()).toEqual(["fj-failed-recent", "fj-pending-ancient"]);
      await db.query("delete from regstat.fetch_jobs where digest like 'fj-%'");
    },
  );

  test(
    "an event dated more than 5 minutes after its receipt is stored at its receipt time, its own time kept, and pruned like any " + "other",
    async () => {
      const metrics = createMetrics();
      const { post } = testApp(db, { deps: { metrics } });
      const repo = "future/app";
      const img = image("future", { repository: repo, tag: "v1" });
      const forged = pullManifest({ repository: repo, digest: img.digest, tag: "v1", timestamp: "2999-01-01T00:00:00Z" });
      const skewed = new Date(Date.now() + 4 * 60_000).toISOString(); // within the 5 minutes a clock may drift
      const drifting = pullManifest({ repository: repo, digest: img.digest, timestamp: skewed });
      expect((await post(envelope(...img.blobPushes, img.push({ timestamp: "2026-01-01T00:00:00Z" })))).status).toBe(200);
      const before = Date.now();
      expect((await post(envelope(forged, drifting))).status).toBe(200);
      const after = Date.now();
      const stored = await db.query<{ id: string; ts: Date; clamped_from: Date | null }>(
        "select id, ts, clamped_from from regstat.events where id in ($1, $2)",
        [forged.id, drifting.id],
      );
      const byId = new Map(stored.map((e) => [e.id, e]));
      const clamped = byId.get(forged.id)!;
      expect(clamped.clamped_from!.toISOString()).toBe("2999-01-01T00:00:00.000Z");
      expect(clamped.ts.getTime()).toBeGreaterThanOrEqual(before);
      expect(clamped.ts.getTime()).toBeLessThanOrEqual(after);
      expect(byId.get(drifting.id)).toMatchObject({ ts: new Date(skewed), clamped_from: null });
      expect(metrics.clockAhead.get()).toBe(1);
      // The state goes by the receipt time too: the tag was pulled now, not in 2999.
      const [tag] = await db.query<{ pulled: Date }>("select pulled from regstat.tags where repository = $1 and tag = 'v1'", [repo]);
      expect(tag!.pulled.getTime()).toBeLessThanOrEqual(Date.parse(skewed));
      expect(tag!.pulled.getTime()).toBeGreaterThanOrEqual(before);
      // Retention prunes it once its receipt day has expired (the drifting one a day later at most).
      const pruned = await pruneExpired(db, { retentionMs: RETENTION, now: after + RETENTION + 2 * DAY });
      expect(pruned.events).toBeGreaterThanOrEqual(2);
      expect(await count(`select count(*)::int as n from regstat.events where repository = '${repo}'`)).toBe(0);
    },
  );

  test("retention 0 keeps everything forever", async () => {
    // ancient events and dead letters of its own, so that the check holds when this test runs alone
    const { post } = testApp(db);
    const ancient = pullManifest({ repository: "forever/app", digest: digestOf("forever"), timestamp: "2001-01-01T00:00:00Z" });
    const dead = { id: "forever-dead", timestamp: "not a time", action: "push", target: { repository: "forever/x" } };
    expect((await post(envelope(ancient, dead))).status).toBe(200);
    await db.query("update regstat.dead_letters set received = '2001-01-01T00:00:00Z' where id = 'forever-dead'");
    const deadBefore = await count("select count(*)::int as n from regstat.dead_letters");
    expect(await count(`select count(*)::int as n from regstat.events where ts < '2002-01-01'`)).toBeGreaterThan(0);
    const before = await count("select count(*)::int as n from regstat.events");
    await startRetention({ db, retentionMs: 0, log: createLogger({ sink: () => {} }) }).stop();
    expect(await count("select count(*)::int as n from regstat.events")).toBe(before);
    expect(await count("select count(*)::int as n from regstat.dead_letters")).toBe(deadBefore);
  });
});
