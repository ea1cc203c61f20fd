import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { migrate } from "../../src/db/migrate.ts";
import { openPostgres } from "../../src/db/postgres.ts";
import { freshPostgresDatabase } from "../support/db.ts";
import { digestOf, envelope, pushBlob } from "../support/events.ts";
import { EVENTS_V1 } from "../support/fixtures.ts";
import { postgresServer } from "../support/postgres-cluster.ts";
import { regstatProcess } from "../support/regstat-process.ts";
import { waitingOnEvents } from "./lost-race.test.ts";

// A shutdown that cannot finish within its 10 s: a delivery is stuck behind a lock another session holds
// on the events table, so draining never ends; regstat says so and exits 1 instead of hanging. PostgreSQL
// only (the lock needs a second session): the tests' own, or a throwaway one.
let server: Awaited<ReturnType<typeof postgresServer>>;
let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
let holder: Db;
beforeAll(async () => {
  server = await postgresServer();
  database = await freshPostgresDatabase(server.url);
  holder = openPostgres(database.url, { max: 2 });
  await migrate(holder);
});
afterAll(async () => {
  await holder.close();
  await database.drop();
  await server.stop();
});

test("a delivery that cannot finish holds shutdown past 10 s: an error line, exit 1", async () => {
  const regstat = regstatProcess(["--pg-conn-str", database.url, "--db-timeout", "60s"]);
  await regstat.start();
  let release = () => {};
  const held = holder.transaction(async (tx) => {
    await tx.query("lock table regstat.events in access exclusive mode");
    await new Promise<void>((resolve) => (release = resolve));
  });
  const delivery = fetch(`${regstat.url}/events`, {
    method: "POST",
    headers: { "content-type": EVENTS_V1 },
    body: JSON.stringify(envelope(pushBlob({ repository: "stuck/app", digest: digestOf("stuck") }))),
  }).catch(() => undefined);
  while (!(await waitingOnEvents(holder))) await Bun.sleep(50);
  const code = await regstat.kill("SIGTERM");
  release();
  await held;
  await delivery;
  expect(code).toBe(1);
  const messages = regstat.log.filter(Boolean).map((l) => JSON.parse(l));
  expect(messages).toContainEqual(expect.objectContaining({ level: "error", msg: "shutdown took longer than 10s; exiting" }));
}, 120_000);
