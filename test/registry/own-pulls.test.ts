import { afterAll, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { MANIFEST_ACCEPT } from "../../src/distribution.ts";
import { createLogger } from "../../src/log.ts";
import { createRegistryContext } from "../../src/registry/context.ts";
import { defaultTuning, startFetchWorker } from "../../src/registry/fetch-worker.ts";
import { runSync } from "../../src/registry/sync.ts";
import { USER_AGENT } from "../../src/version.ts";
import { testApp } from "../support/app.ts";
import { freshDb } from "../support/db.ts";
import { eventually } from "../support/eventually.ts";
import { pushImage, type RealRegistry, startRegistry } from "../support/registry.ts";

const log = createLogger({ sink: () => {}, level: "error" });
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

const CONTAINERD = "containerd/v1.7.24";

function manifestRequest(reg: RealRegistry, repository: string, reference: string, method: "GET" | "HEAD", userAgent: string) {
  return fetch(`${reg.url}/v2/${repository}/manifests/${reference}`, {
    method,
    headers: { accept: MANIFEST_ACCEPT, "user-agent": userAgent },
  }).then(async (r) => {
    expect(r.status).toBe(200);
    await r.arrayBuffer();
    return r.headers.get("docker-content-digest");
  });
}

/** The registry delivers one endpoint's events in order: once a marker request's event is in, so is all before it. */
async function delivered(db: Db, reg: RealRegistry, repository: string) {
  const marker = `marker/${crypto.randomUUID()}`;
  await manifestRequest(reg, repository, "v1", "HEAD", marker);
  await eventually(
    "the registry's events",
    async () => (await db.query("select 1 from regstat.events where user_agent = $1", [marker])).length > 0,
  );
}

test("regstat's own GETs and HEADs (fetch worker, sync) are logged, not counted; a GET by tag and a containerd GET by digest count once " +
  "each", async () => {
  const db = await freshDb();
  const { app } = testApp(db);
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: app.fetch });
  cleanup.push(async () => server.stop(true));
  const reg = await startRegistry({ notify: `http://127.0.0.1:${server.port}/events` });
  cleanup.push(() => reg.stop());
  const registry = await createRegistryContext({ registryUrl: [reg.url], dockerConfig: undefined, equivRegistries: undefined }, log);
  const worker = startFetchWorker({ db, registry, log }, { ...defaultTuning, pollMs: 25, baseDelayMs: 100 });
  cleanup.push(() => worker.stop());

  const repository = "pulls/app";
  const image = await pushImage(reg, `${repository}:v1`);
  await manifestRequest(reg, repository, "v1", "HEAD", "skopeo/1.9.3");
  await eventually(
    "the manifest fetched back",
    async () => (await db.query("select 1 from regstat.fetch_jobs where state = 'done'")).length === 1,
  );
  expect((await runSync({ db, registry, registryUrls: [reg.url], log })).errors).toBe(0);
  await delivered(db, reg, repository);

  const pulls = async () => ({
    tag: (
      await db.query("select pulled is not null as pulled, pull_count from regstat.tags where name = $1", [`${reg.host}/${repository}:v1`])
    )[0],
    manifest: (
      await db.query("select pulled is not null as pulled, pull_count from regstat.manifests where digest = $1", [image.digest])
    )[0],
  });
  expect(await pulls()).toEqual({ tag: { pulled: false, pull_count: 0 }, manifest: { pulled: false, pull_count: 0 } });
  // The fetch worker's GET by digest and sync's HEADs came back as pull events, regstat's own.
  const own = await db.query<{ method: string }>(
    "select method from regstat.events where action = 'pull' and user_agent = $1 and uncounted = 'regstat'",
    [USER_AGENT],
  );
  expect(own.map((e) => e.method)).toContain("GET");
  expect(own.map((e) => e.method)).toContain("HEAD");

  const pullByTag = Bun.spawn(["skopeo", "inspect", "--raw", "--tls-verify=false", `docker://${reg.host}/${repository}:v1`], {
    stdout: "ignore",
    stderr: "pipe",
  });
  expect(await pullByTag.exited).toBe(0);
  // containerd resolves the tag with HEAD, then GETs the manifest by digest.
  const digest = await manifestRequest(reg, repository, "v1", "HEAD", CONTAINERD);
  expect(digest).toBe(image.digest);
  await manifestRequest(reg, repository, digest!, "GET", CONTAINERD);
  await delivered(db, reg, repository);
  expect(await pulls()).toEqual({ tag: { pulled: true, pull_count: 2 }, manifest: { pulled: true, pull_count: 2 } });
}, 60_000);
