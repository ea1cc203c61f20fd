import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { queries } from "../../src/sql.ts";
import { testApp } from "../support/app.ts";
import { freshDb } from "../support/db.ts";
import { digestOf, envelope, HOST, pushBlob } from "../support/events.ts";

let db: Db;
let app: ReturnType<typeof testApp>;
beforeAll(async () => {
  db = await freshDb();
  app = testApp(db);
});
afterAll(() => db.close());

const push = (instance: string, timestamp: string, host = HOST) => ({
  ...pushBlob({ repository: "cov/app", digest: digestOf(`${instance}-${timestamp}`), timestamp, host }),
  source: { addr: `${host}-process`, instanceID: instance },
});
const send = async (...events: unknown[]) => expect((await app.post(envelope(...events))).status).toBe(200);
const get = async (path: string) => (await app.app.request(path)).json() as Promise<any>;
const synced = (started: string, registry = HOST) => db.query(queries.recordRegistrySync, [registry, `http://${registry}`, started, 0]);

test("each answer and the catalogue say since when each registry is watched; the coverage report says what a restart lost", async () => {
  await send(push("i1", "2026-03-01T10:00:00Z"), push("i1", "2026-03-01T11:00:00Z"));
  await send(push("o1", "2026-04-01T00:00:00Z", "other.test:5000"));
  const first = { registry: HOST, first_event: "2026-03-01T10:00:00.000Z", last_sync: null, restarts: 0, events_lost_since_sync: false };
  expect((await get("/reports/images")).coverage).toMatchObject([
    { registry: "other.test:5000", first_event: "2026-04-01T00:00:00.000Z" },
    first,
  ]);
  expect((await get("/reports")).coverage).toEqual((await get("/reports/images")).coverage);

  await synced("2026-03-02T00:00:00Z");
  await send(push("i2", "2026-03-05T00:00:00Z"));
  const restarted = await get(`/reports/coverage?registry=${HOST}`);
  expect(restarted.rows).toEqual([
    {
      registry: HOST,
      first_event: "2026-03-01T10:00:00.000Z",
      last_sync: "2026-03-02T00:00:00.000Z",
      last_sync_errors: 0,
      restarts: 1,
      last_restart: "2026-03-05T00:00:00.000Z",
      events_lost_since_sync: true,
    },
  ]);
  await synced("2026-03-06T00:00:00Z");
  expect((await get(`/reports/coverage?registry=${HOST}`)).rows[0]).toMatchObject({
    last_sync: "2026-03-06T00:00:00.000Z",
    events_lost_since_sync: false,
  });
  expect((await get("/reports/blobs")).coverage[1]).toMatchObject({ registry: HOST, last_sync: "2026-03-06T00:00:00.000Z" });
});

test("a registry restarted but never synced has lost events; one only synced is covered from its sync", async () => {
  await send(push("n1", "2026-05-01T00:00:00Z", "never.test:5000"), push("n2", "2026-05-02T00:00:00Z", "never.test:5000"));
  await synced("2026-05-03T00:00:00Z", "synced-only.test:5000");
  const rows = (await get("/reports/coverage")).rows as any[];
  expect(rows.find((r) => r.registry === "never.test:5000")).toMatchObject({ restarts: 1, last_sync: null, events_lost_since_sync: true });
  expect(rows.find((r) => r.registry === "synced-only.test:5000")).toMatchObject({
    first_event: null,
    last_sync: "2026-05-03T00:00:00.000Z",
    restarts: 0,
  });
});
