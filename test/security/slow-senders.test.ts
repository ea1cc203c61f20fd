import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { testApp } from "../support/app.ts";
import { freshDb, migratedPostgres } from "../support/db.ts";
import { digestOf, envelope, image, pushBlob } from "../support/events.ts";
import { EVENTS_V1 } from "../support/fixtures.ts";
import { holdTableLock } from "../support/locks.ts";
import { stalledDelivery } from "../support/stalled-sender.ts";

setDefaultTimeout(120_000);

let db: Db;
let servers: { stop(force?: boolean): void }[];
beforeEach(async () => {
  db = await freshDb();
  servers = [];
});
afterEach(async () => {
  for (const s of servers) s.stop(true);
  await db.close();
});

/** The real app behind a real HTTP server, as regstat serves it, on the test's database or another. */
function serve(args: string[] = [], on: Db = db) {
  const app = testApp(on, { args });
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: app.app.fetch });
  const port = server.port!;
  servers.push(server);
  const url = `http://127.0.0.1:${port}`;
  const deliver = async (seed: string) => {
    const res = await fetch(`${url}/events`, {
      method: "POST",
      headers: { "content-type": EVENTS_V1 },
      body: JSON.stringify(envelope(pushBlob({ repository: "demo/app", digest: digestOf(seed) }))),
    });
    return { status: res.status, body: await res.text() };
  };
  return { app, url, port, deliver };
}

test("256 and more connections stalled after headers and one byte take no capacity from real deliveries", async () => {
  const { port, deliver } = serve();
  const connections = await Promise.all(Array.from({ length: 300 }, () => stalledDelivery(port)));
  try {
    await Bun.sleep(200);
    for (let i = 0; i < 5; i++) expect(await deliver(`real ${i}`)).toMatchObject({ status: 200 });
  } finally {
    for (const c of connections) c.socket.end();
  }
  expect((await db.query<{ n: number }>("select count(*)::int as n from regstat.events"))[0]!.n).toBe(5);
});

test("a body that does not arrive within --body-timeout is answered 408 and stores nothing", async () => {
  const { port } = serve(["--body-timeout", "300ms"]);
  const connection = await stalledDelivery(port);
  for (let i = 0; i < 200 && !connection.answer(); i++) await Bun.sleep(25);
  connection.socket.end();
  expect(connection.answer()).toStartWith("HTTP/1.1 408");
  expect(connection.answer()).toContain("body_timeout");
});

test("reports hammered from many clients: every webhook delivery still answers 200, reports 200 or 503 busy", async () => {
  // A deadline of its own: on a machine shared by many test runs, 450 ms measures the machine, not regstat.
  const { app, url, deliver } = serve(["--db-timeout", "2s"]);
  const img = image("hammer", { repository: "team/app", tag: "v1" });
  for (const e of [...img.blobPushes, img.push()]) expect((await app.post(envelope(e))).status).toBe(200);
  let stop = false;
  const statuses = new Map<number, number>();
  const hammer = async () => {
    const names = ["images", "repositories", "storage", "missing-blobs", "orphaned-blobs", "most-tagged", "activity"];
    for (let i = 0; !stop; i++) {
      const res = await fetch(`${url}/reports/${names[i % names.length]}`);
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
  };
  const clients = Array.from({ length: 40 }, hammer);
  const deliveries: number[] = [];
  let slowest = 0;
  try {
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      deliveries.push((await deliver(`during ${i}`)).status);
      slowest = Math.max(slowest, performance.now() - started);
    }
  } finally {
    stop = true;
    await Promise.all(clients);
  }
  console.log(
    `reports answered during the deliveries, by status: ${JSON.stringify(Object.fromEntries(statuses))}; slowest delivery ` +
      `${slowest.toFixed(0)} ms (load ${require("node:os").loadavg()[0].toFixed(1)})`,
  );
  expect(deliveries).toEqual(Array(20).fill(200));
  expect([...statuses.keys()].filter((s) => s !== 200 && s !== 503)).toEqual([]);
});

// PGlite cannot interrupt a statement, nor has a second connection to hold a lock with: this runs on the
// tests' PostgreSQL, or a throwaway one, in every run.
describe("on PostgreSQL", () => {
  let database: Awaited<ReturnType<typeof migratedPostgres>>;
  beforeAll(async () => (database = await migratedPostgres()));
  afterAll(() => database.close());

  test(
    "a report past --report-timeout answers 503; past 4 running and 16 waiting a moment, 503 busy; the webhook answers " + "meanwhile",
    async () => {
      const { url, deliver } = serve(["--report-timeout", "1s"], database.db);
      const lock = await holdTableLock(database.url, "regstat.tags");
      try {
        const answers = Array.from({ length: 30 }, () =>
          fetch(`${url}/reports/images`).then(async (r) => ({ status: r.status, body: (await r.json()) as any })),
        );
        // Webhook deliveries touch no tag: they are not behind the lock, nor behind the reports.
        expect(await deliver("during the reports")).toMatchObject({ status: 200 });
        const all = await Promise.all(answers);
        const codes = all.map((a) => a.body.error?.code);
        // 4 run into the timeout, 16 wait (each for a timeout at most, then busy), the other 10 are busy at once.
        const [busy, late] = [codes.filter((c) => c === "busy").length, codes.filter((c) => c === "report_timeout").length];
        expect(busy).toBeGreaterThanOrEqual(10);
        expect(late).toBeGreaterThanOrEqual(4);
        expect(busy + late).toBe(30);
      } finally {
        await lock.release();
      }
      expect((await fetch(`${url}/reports/images`)).status).toBe(200);
    },
  );
});
