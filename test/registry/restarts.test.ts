import { afterAll, expect, test } from "bun:test";
import { createLogger } from "../../src/log.ts";
import { type Background, startRegistryWork } from "../../src/registry/background.ts";
import { createRegistryContext } from "../../src/registry/context.ts";
import { testApp } from "../support/app.ts";
import { freshDb } from "../support/db.ts";
import { eventually } from "../support/eventually.ts";
import { pushImage, type RealRegistry, startRegistry } from "../support/registry.ts";

const log = createLogger({ sink: () => {}, level: "error" });
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

/** regstat as the server runs it: the webhook, and (once the registry's URL is known) the registry work. */
async function regstat() {
  const db = await freshDb();
  let background: Background | undefined;
  const { app } = testApp(db, { deps: { onRegistryRestart: (registry) => background?.syncAfterRestart(registry) } });
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: app.fetch });
  cleanup.push(async () => {
    server.stop(true);
    await background?.stop();
    await db.close();
  });
  return {
    db,
    webhook: `http://127.0.0.1:${server.port}/events`,
    async callBack(reg: RealRegistry) {
      const registryUrl = [reg.url];
      const registry = await createRegistryContext({ registryUrl, dockerConfig: undefined, equivRegistries: undefined }, log);
      background = startRegistryWork({ db, registry, config: { registryUrl, syncInterval: 0 }, log });
    },
    instances: () =>
      db.query<{ source_addr: string; restart: boolean }>("select source_addr, restart from regstat.registry_instances order by detected"),
  };
}

async function registry(options: Parameters<typeof startRegistry>[0]) {
  const reg = await startRegistry(options);
  cleanup.push(() => reg.stop());
  return reg;
}

test("a registry restarted mid-stream: the restart is recorded and that registry is synced", async () => {
  const rs = await regstat();
  const reg = await registry({ notify: rs.webhook });
  await rs.callBack(reg);
  await pushImage(reg, "restart/app:v1");
  await eventually("the first instance", async () => (await rs.instances()).length === 1);
  expect(await rs.db.query("select * from regstat.registry_syncs")).toEqual([]);

  await reg.restart();
  await pushImage(reg, "restart/app:v2");
  await eventually("the second instance", async () => (await rs.instances()).length === 2);
  expect((await rs.instances()).map((r) => r.restart)).toEqual([false, true]);
  await eventually("the sync after the restart", async () => (await rs.db.query("select 1 from regstat.registry_syncs")).length === 1);
  expect(await rs.db.query("select registry, url, errors from regstat.registry_syncs")).toEqual([
    { registry: reg.host, url: reg.url, errors: 0 },
  ]);
}, 90_000);

test("two registry processes on one storage, both notifying, are replicas: no restart; restarting one is exactly one", async () => {
  const rs = await regstat();
  const a = await registry({ notify: rs.webhook });
  const b = await registry({ notify: rs.webhook, replicaOf: a });
  await pushImage(a, "replicas/app:v1");
  await pushImage(b, "replicas/app:v2");
  await pushImage(a, "replicas/app:v3");
  await eventually("both replicas' events", async () => (await rs.instances()).length === 2);
  expect((await rs.instances()).filter((r) => r.restart)).toEqual([]);

  await b.restart();
  await pushImage(b, "replicas/app:v4");
  await pushImage(a, "replicas/app:v5");
  await eventually("the restarted replica's events", async () => (await rs.instances()).length === 3);
  const restarts = (await rs.instances()).filter((r) => r.restart);
  expect(restarts).toHaveLength(1);
  expect(restarts[0]!.source_addr).toEndWith(`:${new URL(b.url).port}`);
  const tags = () => rs.db.query<{ tag: string }>("select tag from regstat.tags where repository = 'replicas/app' order by tag");
  await eventually("every push's events", async () => (await tags()).length === 5);
  expect((await tags()).map((t) => t.tag)).toEqual(["v1", "v2", "v3", "v4", "v5"]);
  expect((await rs.instances()).filter((r) => r.restart)).toHaveLength(1);
}, 90_000);
