import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { createLogger } from "../../src/log.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { testApp } from "../support/app.ts";
import { freshDb } from "../support/db.ts";
import { digestOf, envelope, pushBlob } from "../support/events.ts";

let db: Db;
beforeAll(async () => (db = await freshDb()));
afterAll(() => db.close());

/** A blob push from one registry process (source.addr) in one of its lives (source.instanceID). */
const from = (addr: string, instance: string, n: number) => ({
  ...pushBlob({ repository: "src/app", digest: digestOf(`${addr}-${instance}-${n}`) }),
  source: { addr, instanceID: instance },
});

function regstat() {
  const restarted: string[] = [];
  const lines: string[] = [];
  const metrics = createMetrics();
  const log = createLogger({ sink: (l) => lines.push(l), json: true, level: "info" });
  const { post, app } = testApp(db, { log, deps: { metrics, onRegistryRestart: (r) => restarted.push(r) } });
  const send = async (...events: unknown[]) => expect((await post(envelope(...events))).status).toBe(200);
  return { send, restarted, lines, metrics: async () => (await app.request("/metrics")).text() };
}

const recorded = () =>
  db.query("select source_addr, instance_id, restart from regstat.registry_instances order by detected, source_addr, instance_id");

test("replicas interleave their instance ids without a restart; a new instance of one process is exactly one restart", async () => {
  const rs = regstat();
  await rs.send(from("reg-a:5000", "a1", 1));
  await rs.send(from("reg-b:5000", "b1", 1), from("reg-a:5000", "a1", 2));
  await rs.send(from("reg-a:5000", "a1", 3), from("reg-b:5000", "b1", 2));
  expect(rs.restarted).toEqual([]);
  expect((await recorded()).filter((r) => r.restart)).toEqual([]);

  await rs.send(from("reg-a:5000", "a2", 1));
  // the old instance's late redelivery, and the new one again: nothing new
  await rs.send(from("reg-a:5000", "a1", 3), from("reg-a:5000", "a2", 2), from("reg-b:5000", "b1", 3));
  expect(rs.restarted).toEqual(["registry.test:5000"]);
  expect(await recorded()).toEqual([
    { source_addr: "reg-a:5000", instance_id: "a1", restart: false },
    { source_addr: "reg-b:5000", instance_id: "b1", restart: false },
    { source_addr: "reg-a:5000", instance_id: "a2", restart: true },
  ]);
  expect(await rs.metrics()).toContain('regstat_registry_restarts_total{registry="registry.test:5000"} 1');
  const warned = rs.lines.map((l) => JSON.parse(l)).filter((l) => l.msg?.startsWith("registry restarted"));
  expect(warned).toHaveLength(1);
  expect(warned[0]).toMatchObject({ registry: "registry.test:5000", source: "reg-a:5000", instance: "a2" });
});

test("two regstat processes on one database that both see the new instance record one restart", async () => {
  const [one, two] = [regstat(), regstat()];
  await one.send(from("reg-c:5000", "c1", 1));
  await two.send(from("reg-c:5000", "c1", 2));
  await Promise.all([one.send(from("reg-c:5000", "c2", 1)), two.send(from("reg-c:5000", "c2", 2))]);
  expect([...one.restarted, ...two.restarted]).toEqual(["registry.test:5000"]);
  expect((await recorded()).filter((r) => r.source_addr === "reg-c:5000" && r.restart)).toHaveLength(1);
});

test("an instance two regstat processes first see at different events keeps the earlier one", async () => {
  const [one, two] = [regstat(), regstat()];
  const at = (addr: string, n: number, timestamp: string) => ({ ...from(addr, "e1", n), timestamp });
  await one.send(at("reg-e:5000", 1, "2026-03-01T10:00:00Z"));
  await two.send(at("reg-e:5000", 2, "2026-03-01T09:00:00Z"));
  await one.send(at("reg-e:5000", 3, "2026-03-01T08:00:00Z")); // known to this process already: nothing asked
  const [row] = await db.query<{ first_event: Date; restart: boolean }>(
    "select first_event, restart from regstat.registry_instances where source_addr = 'reg-e:5000'",
  );
  expect(row).toEqual({ first_event: new Date("2026-03-01T09:00:00Z"), restart: false });
  expect([...one.restarted, ...two.restarted]).toEqual([]);
});

test("a process restarted twice in one envelope is two restarts", async () => {
  const rs = regstat();
  await rs.send(from("reg-d:5000", "d1", 1), from("reg-d:5000", "d2", 1), from("reg-d:5000", "d3", 1));
  expect(rs.restarted).toEqual(["registry.test:5000", "registry.test:5000"]);
});
