import { afterAll, beforeAll, expect, test } from "bun:test";
import { createApp } from "../../src/app.ts";
import { parseConfig } from "../../src/config.ts";
import type { Db } from "../../src/db/db.ts";
import { migrate } from "../../src/db/migrate.ts";
import { openPostgres } from "../../src/db/postgres.ts";
import { registryNames } from "../../src/equiv-registries.ts";
import { Ingestor } from "../../src/ingest/ingestor.ts";
import { silentLogger } from "../../src/log.ts";
import { watchDatabase } from "../../src/metrics/database.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { freshPostgresDatabase } from "../support/db.ts";
import { digestOf, envelope, pushBlob } from "../support/events.ts";
import { EVENTS_V1 } from "../support/fixtures.ts";
import { waitingOnEvents } from "../support/locks.ts";
import { postgresServer } from "../support/postgres-cluster.ts";

// A lost race is retried: another session makes a real deadlock with an ingest transaction, PostgreSQL
// aborts the ingest (it waited first), and the ingest retries it, counted as a conflict. Only PostgreSQL
// has concurrent sessions, so this runs on the tests' PostgreSQL or a throwaway one.
const INGEST_LOCK = 1919248243; // sql/queries/lock_ingest.sql

let server: Awaited<ReturnType<typeof postgresServer>>;
let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
let db: Db;
let other: Db;
let watcher: Db;
beforeAll(async () => {
  server = await postgresServer();
  database = await freshPostgresDatabase(server.url);
  db = openPostgres(database.url, { max: 2 });
  other = openPostgres(database.url, { max: 1 });
  watcher = openPostgres(database.url, { max: 1 });
  await migrate(db);
});
afterAll(async () => {
  await Promise.all([db.close(), other.close(), watcher.close()]);
  await database.drop();
  await server.stop();
});

test("an ingest transaction that loses a deadlock is retried and stored; the conflict is counted", async () => {
  const metrics = createMetrics();
  const watched = watchDatabase(db, metrics, silentLogger);
  const { config } = parseConfig(["--db-timeout", "60s"], {});
  const app = createApp({
    db: watched,
    ingestor: new Ingestor(watched, silentLogger),
    names: registryNames(undefined),
    config,
    log: silentLogger,
    metrics,
  });
  const event = pushBlob({ repository: "race/app", digest: digestOf("race") });

  let answer: Response | Promise<Response> | undefined;
  await other.transaction(async (tx) => {
    // Hold what the ingest writes, let it take its lock and queue behind us, then ask for its lock.
    await tx.query("lock table regstat.events in share mode");
    answer = app.request("/events", { method: "POST", headers: { "content-type": EVENTS_V1 }, body: JSON.stringify(envelope(event)) });
    while (!(await waitingOnEvents(watcher))) await Bun.sleep(20);
    await tx.query("select pg_advisory_xact_lock($1)", [INGEST_LOCK]);
  });

  const response = await answer!;
  expect(await response.json()).toEqual({ stored: 1, duplicates: 0, dead_lettered: 0 });
  expect(metrics.databaseErrors.get({ kind: "conflict" })).toBe(1);
  expect(await db.query("select id from regstat.events")).toEqual([{ id: event.id }]);
});
