import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Db } from "../../src/db/db.ts";
import { createLogger } from "../../src/log.ts";
import { createRegistryContext } from "../../src/registry/context.ts";
import { defaultTuning, startFetchWorker } from "../../src/registry/fetch-worker.ts";
import { runSync } from "../../src/registry/sync.ts";
import { testApp } from "../support/app.ts";
import { expectConsistent } from "../support/check.ts";
import { freshDb } from "../support/db.ts";
import { eventually } from "../support/eventually.ts";
import { deleteManifest, type PushedImage, pushImage, pushIndex, startRegistry } from "../support/registry.ts";

const logLines: string[] = [];
const log = createLogger({ sink: (l) => logLines.push(l), json: true, level: "debug" });
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

/** regstat as the server runs it: the webhook on a port, then the fetch queue worked in the background. */
async function regstat() {
  const db = await freshDb();
  const { app } = testApp(db);
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: app.fetch });
  cleanup.push(async () => server.stop(true));
  const startWorker = async (options: { registryUrl: string[]; dockerConfig?: string }) => {
    const registry = await createRegistryContext(
      { registryUrl: options.registryUrl, dockerConfig: options.dockerConfig, equivRegistries: undefined },
      log,
    );
    const worker = startFetchWorker({ db, registry, log }, { ...defaultTuning, pollMs: 25, baseDelayMs: 100 });
    cleanup.push(() => worker.stop());
  };
  return { db, startWorker, webhook: `http://127.0.0.1:${server.port}/events` };
}

const linked = async (db: Db, digest: string) =>
  (
    await db.query<{ blob_digest: string }>("select blob_digest from regstat.manifest_blob where manifest_digest = $1 order by 1", [digest])
  ).map((r) => r.blob_digest);
const children = async (db: Db, digest: string) =>
  (
    await db.query<{ child_digest: string }>("select child_digest from regstat.manifest_children where parent_digest = $1 order by 1", [
      digest,
    ])
  ).map((r) => r.child_digest);

async function expectImage(db: Db, image: PushedImage) {
  expect(await linked(db, image.digest)).toEqual([...image.blobs].sort());
  const sized = await db.query(
    "select count(*)::int as n from regstat.blobs where digest = any($1::text[]) and size > 0 and media_type is not null",
    [image.blobs],
  );
  expect(sized[0]!.n).toBe(image.blobs.length);
}

async function startedRegistry(options: Parameters<typeof startRegistry>[0]) {
  const reg = await startRegistry(options);
  cleanup.push(() => reg.stop());
  return reg;
}

describe("a real registry without includereferences", () => {
  test("every pushed manifest's blobs end up in the data, an index's children too", async () => {
    const rs = await regstat();
    const reg = await startedRegistry({ notify: rs.webhook });
    await rs.startWorker({ registryUrl: [reg.url] });
    const image = await pushImage(reg, "demo/app:v1");
    const index = await pushIndex(reg, "demo/multi:latest");
    await eventually("the fetch queue to finish", async () => {
      const rows = await rs.db.query<{ state: string }>("select state from regstat.fetch_jobs");
      return rows.length >= 4 && rows.every((r) => r.state === "done");
    });
    await expectImage(rs.db, image);
    expect(await children(rs.db, index.digest)).toEqual(index.children.map((c) => c.digest).sort());
    for (const child of index.children) await expectImage(rs.db, child);
    await expectConsistent(rs.db);
    const events = await rs.db.query("select count(*)::int as n from regstat.events where refs is not null");
    expect(events[0]!.n).toBe(0);
  }, 30_000);

  test("behind htpasswd, with the password in a Docker config.json", async () => {
    const login = { user: "ci", password: "htp4ss-s3cret" };
    const dir = mkdtempSync(join(tmpdir(), "regstat-dockercfg-"));
    const rs = await regstat();
    const reg = await startedRegistry({ login, notify: rs.webhook });
    const dockerConfig = join(dir, "config.json");
    writeFileSync(dockerConfig, JSON.stringify({ auths: { [`http://${reg.host}`]: { auth: btoa(`${login.user}:${login.password}`) } } }));
    // Only the Docker config names the registry: the policy lets regstat call it.
    await rs.startWorker({ registryUrl: [], dockerConfig });
    const image = await pushImage(reg, "secure/app:v1");
    await eventually(
      "the fetch job",
      async () => (await rs.db.query("select 1 from regstat.fetch_jobs where state = 'done'")).length === 1,
    );
    await expectImage(rs.db, image);
    expectNoSecret(logLines, login);
  }, 30_000);
});

describe("regstat sync", () => {
  test("against a registry that held images before regstat started, then lost some", async () => {
    const login = { user: "ci", password: "sync-s3cret" };
    const reg = await startedRegistry({ login });
    const kept = await pushImage(reg, "demo/app:v1");
    const doomed = await pushImage(reg, "demo/app:v2");
    const index = await pushIndex(reg, "demo/multi:latest");
    const dir = mkdtempSync(join(tmpdir(), "regstat-dockercfg-"));
    const dockerConfig = join(dir, "config.json");
    writeFileSync(dockerConfig, JSON.stringify({ auths: { [reg.host]: { username: login.user, password: login.password } } }));

    const db = await freshDb();
    const registry = await createRegistryContext({ registryUrl: [reg.url], dockerConfig, equivRegistries: undefined }, log);
    const deps = { db, registry, registryUrls: [reg.url], log };
    const first = await runSync(deps);
    expect(first.errors).toBe(0);
    expect(first.registries[0]).toMatchObject({
      registry: reg.host,
      repositories: 2,
      manifests: { added: 5, deleted: 0 },
      tags: { added: 3, deleted: 0 },
      fetched: 5,
    });
    for (const image of [kept, doomed, ...index.children]) await expectImage(db, image);
    expect(await children(db, index.digest)).toEqual(index.children.map((c) => c.digest).sort());
    const tags = await db.query("select name, manifest_digest from regstat.tags order by name");
    expect(tags).toEqual([
      { name: `${reg.host}/demo/app:v1`, manifest_digest: kept.digest },
      { name: `${reg.host}/demo/app:v2`, manifest_digest: doomed.digest },
      { name: `${reg.host}/demo/multi:latest`, manifest_digest: index.digest },
    ]);

    const again = await runSync(deps);
    expect(again.registries[0]).toMatchObject({ manifests: { added: 0, deleted: 0 }, blobs: { added: 0, deleted: 0 }, fetched: 0 });

    // Behind regstat's back: a manifest deleted and the garbage collected, no event sent.
    await deleteManifest(reg, "demo/app", doomed.digest);
    await reg.garbageCollect();
    const after = await runSync(deps);
    expect(after.registries[0]).toMatchObject({
      manifests: { added: 0, deleted: 1 },
      blobs: { added: 0, deleted: 2 },
      tags: { added: 0, deleted: 1 },
    });
    expect(await db.query("select digest from regstat.deleted_manifests")).toEqual([{ digest: doomed.digest }]);
    expect(await db.query("select name from regstat.deleted_tags")).toEqual([{ name: `${reg.host}/demo/app:v2` }]);
    const gone = await db.query<{ digest: string }>("select digest from regstat.deleted_blobs order by 1");
    expect(gone.map((r) => r.digest)).toEqual([...doomed.blobs].sort());
    await expectImage(db, kept);
    await expectConsistent(db);
    expectNoSecret(logLines, login);
  }, 30_000);
});

/** Neither the password nor the Basic credentials it travels as (base64 of user:password) in any log line. */
function expectNoSecret(lines: string[], login: { user: string; password: string }) {
  const text = lines.join("\n");
  for (const secret of [login.password, btoa(`${login.user}:${login.password}`)]) expect(text).not.toContain(secret);
}
