import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { migrate } from "../../src/db/migrate.ts";
import { openPostgres } from "../../src/db/postgres.ts";
import { silentLogger } from "../../src/log.ts";
import { createRegistryContext } from "../../src/registry/context.ts";
import { backoff, defaultTuning, runFetchRound } from "../../src/registry/fetch-worker.ts";
import { testApp } from "../support/app.ts";
import { freshDb, freshPostgresDatabase, testPgUrl } from "../support/db.ts";
import { envelope, pushManifest } from "../support/events.ts";
import { fakeServer, manifestResponse, schema2 } from "./fake-registry.ts";

// The fetch queue's schedule and its sharing: how long a job waits after each failure, and several
// processes working one queue without fetching a manifest twice.
const images = Array.from({ length: 8 }, (_, i) => schema2(`queue-${i}`));
let failing = false;
const registry = fakeServer((req, url) => (failing ? new Response("down", { status: 503 }) : manifestResponse(images, url, req.method)));

describe("the backoff schedule", () => {
  test("2 s doubling to 30 min, each delay spread between half and one and a half times", () => {
    const plain = (attempt: number) => Math.min(30 * 60_000, 2_000 * 2 ** (attempt - 1));
    for (let attempt = 1; attempt <= 14; attempt++) {
      const delays = Array.from({ length: 400 }, () => backoff(attempt, defaultTuning));
      expect({ attempt, min: Math.min(...delays) >= plain(attempt) * 0.5, max: Math.max(...delays) <= plain(attempt) * 1.5 }).toEqual({
        attempt,
        min: true,
        max: true,
      });
      // spread, not one value: 400 draws cover most of the range
      expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(plain(attempt) * 0.8);
    }
    expect(plain(11)).toBe(30 * 60_000); // 2 s × 2^10 passes the cap
  });

  test("a failed fetch is due again after the delay of its attempt", async () => {
    const db = await freshDb();
    try {
      const deps = {
        db,
        registry: await createRegistryContext(
          { registryUrl: [registry.url], dockerConfig: undefined, equivRegistries: undefined },
          silentLogger,
        ),
        log: silentLogger,
      };
      await push(db, images.slice(0, 1));
      failing = true;
      const waits: number[] = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        expect(await runFetchRound(deps, defaultTuning)).toMatchObject({ claimed: 1, retried: 1 });
        const [job] = await db.query<{ s: number; attempts: number }>(
          "select extract(epoch from next_attempt - updated)::float8 as s, attempts from regstat.fetch_jobs",
        );
        expect(job!.attempts).toBe(attempt);
        waits.push(job!.s);
        await db.query("update regstat.fetch_jobs set next_attempt = now()");
      }
      expect(waits[0]).toBeGreaterThanOrEqual(1);
      expect(waits[0]).toBeLessThanOrEqual(3);
      expect(waits[1]).toBeGreaterThanOrEqual(2);
      expect(waits[1]).toBeLessThanOrEqual(6);
      expect(waits[2]).toBeGreaterThanOrEqual(4);
      expect(waits[2]).toBeLessThanOrEqual(12);
    } finally {
      failing = false;
      await db.close();
    }
  });
});

describe("several processes on one queue", () => {
  // On PostgreSQL each "process" has connections of its own; an embedded database has one opener, so
  // there the workers share it, as the fetch worker and sync do in one process.
  let workers: Db[] = [];
  let cleanup = async () => {};
  beforeAll(async () => {
    if (testPgUrl) {
      const { url, drop } = await freshPostgresDatabase(testPgUrl);
      workers = [openPostgres(url, { max: 2 }), openPostgres(url, { max: 2 }), openPostgres(url, { max: 2 })];
      await migrate(workers[0]!);
      cleanup = async () => {
        await Promise.all(workers.map((w) => w.close()));
        await drop();
      };
    } else {
      const db = await freshDb();
      workers = [db, db, db];
      cleanup = () => db.close();
    }
  });
  afterAll(() => cleanup());

  test("each job is fetched once, by one of them, and all are done", async () => {
    await push(workers[0]!, images);
    const before = registry.requests.length;
    const context = await createRegistryContext(
      { registryUrl: [registry.url], dockerConfig: undefined, equivRegistries: undefined },
      silentLogger,
    );
    const tuning = { ...defaultTuning, batchSize: 2 };
    const claimed: number[] = [];
    for (let round = 0; round < 10; round++) {
      const rounds = await Promise.all(workers.map((db) => runFetchRound({ db, registry: context, log: silentLogger }, tuning)));
      claimed.push(...rounds.map((r) => r.claimed));
      if (rounds.every((r) => r.claimed === 0)) break;
    }
    expect(claimed.reduce((a, b) => a + b, 0)).toBe(images.length);
    const gets = registry.requests
      .slice(before)
      .filter((r) => r.method === "GET")
      .map((r) => r.path)
      .sort();
    expect(gets).toEqual(images.map((i) => `/v2/demo/app/manifests/${i.digest}`).sort());
    const states = await workers[0]!.query<{ state: string; attempts: number }>("select state, attempts from regstat.fetch_jobs");
    expect(states).toEqual(images.map(() => ({ state: "done", attempts: 1 })));
  });
});

async function push(db: Db, ms: typeof images) {
  const { post } = testApp(db);
  const events = ms.map((m) =>
    pushManifest({ repository: "demo/app", digest: m.digest, mediaType: m.mediaType, size: m.text.length, host: registry.host }),
  );
  expect(await (await post(envelope(...events))).json()).toEqual({ stored: ms.length, duplicates: 0, dead_lettered: 0 });
}
