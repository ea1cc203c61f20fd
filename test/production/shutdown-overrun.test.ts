import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migratedPostgres } from "../support/db.ts";
import { digestOf, envelope, pushBlob } from "../support/events.ts";
import { EVENTS_V1 } from "../support/fixtures.ts";
import { holdTableLock, waitingOnEvents } from "../support/locks.ts";
import { regstatProcess } from "../support/regstat-process.ts";
import { stalledDelivery } from "../support/stalled-sender.ts";

// A shutdown that cannot finish draining: past 8.5 s what is in flight is cut, the database is closed all
// the same (the embedded one shut down cleanly and unlocked), and regstat exits 1 instead of hanging.
const OVERRUN = "shutdown: the work still in flight after 8.5s was cut and the database closed; exiting 1";

const deliver = (url: string, event: unknown) =>
  fetch(`${url}/events`, { method: "POST", headers: { "content-type": EVENTS_V1 }, body: JSON.stringify(envelope(event)) });
const blob = (seed: string) => pushBlob({ repository: "stuck/app", digest: digestOf(seed) });
const messages = (log: string[]) => log.filter(Boolean).map((l) => JSON.parse(l) as { level: string; msg: string });

describe("on PostgreSQL", () => {
  // The lock needs a second session: the tests' own PostgreSQL, or a throwaway one.
  let database: Awaited<ReturnType<typeof migratedPostgres>>;
  beforeAll(async () => (database = await migratedPostgres({ max: 2 })));
  afterAll(() => database.close());

  test("a delivery stuck behind another session's lock is cut: not acknowledged, nothing of it stored, exit 1", async () => {
    // No retention pass: only the delivery waits on the events table.
    const regstat = regstatProcess(["--pg-conn-str", database.url, "--db-timeout", "60s", "--event-retention", "0"]);
    await regstat.start();
    const lock = await holdTableLock(database.url, "regstat.events");
    const delivery = deliver(regstat.url, blob("stuck")).then(
      (r) => r.status,
      () => "cut",
    );
    while (!(await waitingOnEvents(database.db))) await Bun.sleep(50);
    const code = await regstat.kill("SIGTERM");
    const answered = await delivery;
    await lock.release();
    expect(code).toBe(1);
    expect(answered).not.toBe(200);
    expect(messages(regstat.log)).toContainEqual(expect.objectContaining({ level: "error", msg: OVERRUN }));
    expect(messages(regstat.log).map((m) => m.msg)).not.toContain("stopped");
    // Its transaction went with its connection: the registry resends the event, and it is stored then.
    expect(await database.db.query("select id from regstat.events")).toEqual([]);
  }, 120_000);
});

describe("on the embedded database", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "regstat-overrun-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  // PostgreSQL's pg_control: DBState at byte 16, 1 once shut down cleanly, 6 while open (or after a kill).
  const controlState = () => readFileSync(join(dataDir, "global/pg_control")).readInt32LE(16);

  test("a sender stalled in its body holds draining: it is cut, the data directory is shut down cleanly and unlocked, exit 1", async () => {
    const args = ["--data-dir", dataDir, "--body-timeout", "60s", "--event-retention", "0"];
    const regstat = regstatProcess(args);
    await regstat.start();
    const before = blob("before");
    expect((await deliver(regstat.url, before)).status).toBe(200);
    expect(existsSync(join(dataDir, "regstat.lock"))).toBe(true);
    expect(controlState()).toBe(6);
    const stalled = await stalledDelivery(regstat.port);
    await Bun.sleep(200); // its headers read: the request is in flight, waiting for its body
    const code = await regstat.kill("SIGTERM");
    stalled.socket.end();
    expect(code).toBe(1);
    expect(messages(regstat.log)).toContainEqual(expect.objectContaining({ level: "error", msg: OVERRUN }));
    expect(existsSync(join(dataDir, "regstat.lock"))).toBe(false);
    expect(controlState()).toBe(1);

    // What was acknowledged before is there.
    const again = regstatProcess(args);
    await again.start();
    const redelivered = await deliver(again.url, before);
    expect(await redelivered.json()).toEqual({ stored: 0, duplicates: 1, dead_lettered: 0 });
    await again.stop();
  }, 120_000);
});
