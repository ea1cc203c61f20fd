import { beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { createLogger } from "../../src/log.ts";
import { createRegistryContext } from "../../src/registry/context.ts";
import { defaultTuning, runFetchRound, startFetchWorker } from "../../src/registry/fetch-worker.ts";
import { queries } from "../../src/sql.ts";
import { testApp } from "../support/app.ts";
import { freshDb } from "../support/db.ts";
import { envelope, pushManifest } from "../support/events.ts";
import { fakeServer, manifestResponse, ociIndex, schema2, sha256 } from "./fake-registry.ts";

// Each test opens a database of its own; on a busy machine that alone can take seconds.
setDefaultTimeout(30_000);

const a = schema2("a");
const b = schema2("b");
const index = ociIndex([a, b]);
const wrong = { ...schema2("w"), digest: sha256("not these bytes") };
const malformed = {
  text: '{"schemaVersion":2,"layers":"no"}',
  digest: sha256('{"schemaVersion":2,"layers":"no"}'),
  mediaType: a.mediaType,
};

let failNext = 0;
const registry = fakeServer((req, url) => {
  if (failNext > 0) {
    failNext--;
    return new Response("down", { status: 503 });
  }
  return manifestResponse([a, b, index, wrong, malformed], url, req.method);
});
const tuning = { ...defaultTuning, baseDelayMs: 60_000, pollMs: 20 };

let db: Db;
let deps: Awaited<ReturnType<typeof setup>>;
async function setup(logLines: string[] = []) {
  const log = createLogger({ sink: (l) => logLines.push(l), json: true, level: "debug" });
  const context = await createRegistryContext({ registryUrl: [registry.url], dockerConfig: undefined, equivRegistries: undefined }, log);
  return { db, registry: context, log };
}

/** Pushes manifests the way a registry without includereferences announces them. */
async function pushed(...ms: { digest: string; mediaType: string; text: string }[]) {
  const { post } = testApp(db);
  const events = ms.map((m) =>
    pushManifest({ repository: "demo/app", digest: m.digest, mediaType: m.mediaType, size: m.text.length, host: registry.host }),
  );
  expect((await post(envelope(...events))).status).toBe(200);
}

const jobs = () =>
  db.query<{ digest: string; state: string; attempts: number; last_error: string | null; due: boolean }>(
    "select digest, state, attempts, last_error, next_attempt <= now() as due from regstat.fetch_jobs order by created, digest",
  );
const blobsOf = (digest: string) =>
  db.query<{ blob_digest: string; media_type: string; size: number }>(
    "select mb.blob_digest, b.media_type, b.size from regstat.manifest_blob mb join regstat.blobs b on b.digest = mb.blob_digest where " +
      "mb.manifest_digest = $1 order by b.size",
    [digest],
  );

beforeEach(async () => {
  db = await freshDb();
  deps = await setup();
  failNext = 0;
});

describe("the fetch queue", () => {
  test("a manifest pushed without references gets its config and layer, with media types and sizes", async () => {
    await pushed(a);
    expect((await jobs()).map((j) => j.state)).toEqual(["pending"]);
    expect(await runFetchRound(deps, tuning)).toEqual({ claimed: 1, done: 1, retried: 0, failed: 0 });
    expect(await blobsOf(a.digest)).toEqual([
      { blob_digest: a.config.digest, media_type: a.config.mediaType, size: 100 },
      { blob_digest: a.layer.digest, media_type: a.layer.mediaType, size: 2000 },
    ]);
    expect((await jobs())[0]!.state).toBe("done");
    expect(await runFetchRound(deps, tuning)).toMatchObject({ claimed: 0 });
  });

  test("an index: its children are recorded, queued and fetched in turn", async () => {
    await pushed(index);
    await runFetchRound(deps, tuning);
    const children = await db.query("select child_digest from regstat.manifest_children where parent_digest = $1 order by 1", [
      index.digest,
    ]);
    expect(children.map((c) => c.child_digest)).toEqual([a.digest, b.digest].sort());
    const held = await db.query(
      "select digest from regstat.repository_manifests where repository = 'demo/app' and deleted is null order by 1",
    );
    expect(held.map((r) => r.digest)).toEqual([a.digest, b.digest, index.digest].sort());
    expect(await runFetchRound(deps, tuning)).toMatchObject({ claimed: 2, done: 2 });
    expect((await blobsOf(b.digest)).map((r) => r.blob_digest)).toEqual([b.config.digest, b.layer.digest]);
    expect((await jobs()).every((j) => j.state === "done")).toBe(true);
  });

  test("a registry answering 503 is retried later, with the reason kept", async () => {
    await pushed(a);
    failNext = 1;
    expect(await runFetchRound(deps, tuning)).toMatchObject({ retried: 1 });
    const [job] = await jobs();
    expect(job).toMatchObject({ state: "pending", attempts: 1, due: false });
    expect(job!.last_error).toContain("503");
    expect(await runFetchRound(deps, tuning)).toMatchObject({ claimed: 0 });
    await db.query("update regstat.fetch_jobs set next_attempt = now()");
    expect(await runFetchRound(deps, tuning)).toMatchObject({ done: 1 });
    expect(await blobsOf(a.digest)).toHaveLength(2);
  });

  test("404, a wrong digest and a malformed manifest are given up, visibly", async () => {
    const gone = { ...schema2("gone"), text: "{}" };
    await pushed(gone, wrong, malformed);
    expect(await runFetchRound(deps, tuning)).toMatchObject({ failed: 3 });
    const byDigest = Object.fromEntries((await jobs()).map((j) => [j.digest, j]));
    expect(byDigest[gone.digest]).toMatchObject({ state: "failed" });
    expect(byDigest[gone.digest]!.last_error).toContain("404");
    expect(byDigest[wrong.digest]!.last_error).toContain("hash to");
    expect(byDigest[malformed.digest]!.last_error).toContain("malformed");
  });

  test("a registry outside the policy is never called", async () => {
    const { post } = testApp(db);
    const event = pushManifest({ repository: "demo/app", digest: a.digest, mediaType: a.mediaType, host: "evil.example.com" });
    await post(envelope(event));
    const before = registry.requests.length;
    expect(await runFetchRound(deps, tuning)).toMatchObject({ failed: 1 });
    expect((await jobs())[0]!.last_error).toContain("--registry-url");
    expect(registry.requests.length).toBe(before);
  });

  test("a claimed job is leased: a worker that dies leaves it due again once the lease ends", async () => {
    await pushed(a);
    // an hour's lease, so no loaded machine can outlast it; then the test moves the hour past, as the clock would
    expect(await db.query(queries.claimFetchJobs, [10, 3_600_000])).toHaveLength(1);
    const [lease] = await db.query<{ s: number }>("select extract(epoch from next_attempt - now())::float8 as s from regstat.fetch_jobs");
    expect(lease!.s).toBeGreaterThan(3_500);
    expect(await runFetchRound(deps, tuning)).toMatchObject({ claimed: 0 });
    await db.query("update regstat.fetch_jobs set next_attempt = next_attempt - interval '1 hour'");
    expect(await runFetchRound(deps, tuning)).toMatchObject({ claimed: 1, done: 1 });
    expect((await jobs())[0]!.attempts).toBe(2);
  });

  test("the background worker drains the queue when woken, and stops", async () => {
    const worker = startFetchWorker(deps, { ...tuning, pollMs: 60_000 });
    await pushed(index);
    worker.wake();
    const settled = async () => {
      const all = await jobs();
      return all.length === 3 && all.every((j) => j.state === "done");
    };
    for (const until = Date.now() + 10_000; !(await settled()) && Date.now() < until; ) {
      await Bun.sleep(20);
      worker.wake();
    }
    await worker.stop();
    expect((await jobs()).map((j) => j.state)).toEqual(["done", "done", "done"]);
  });

  test("no credential or token reaches a log line or a stored error", async () => {
    const lines: string[] = [];
    const locked = fakeServer(() => new Response(null, { status: 401, headers: { "www-authenticate": 'Basic realm="r"' } }));
    const path = `${process.env.TMPDIR ?? "/tmp"}/regstat-locked-${process.pid}.json`;
    await Bun.write(path, JSON.stringify({ auths: { [locked.host]: { auth: btoa("alice:hunter2-s3cret") } } }));
    const log = createLogger({ sink: (l) => lines.push(l), json: true, level: "debug" });
    const context = await createRegistryContext({ registryUrl: [locked.url], dockerConfig: path, equivRegistries: undefined }, log);
    const { post } = testApp(db);
    await post(envelope(pushManifest({ repository: "demo/app", digest: a.digest, mediaType: a.mediaType, host: locked.host })));
    expect(await runFetchRound({ db, registry: context, log }, tuning)).toMatchObject({ retried: 1 });
    expect(locked.requests.at(-1)!.authorization).toBe(`Basic ${btoa("alice:hunter2-s3cret")}`);
    const stored = JSON.stringify(await jobs());
    for (const text of [...lines, stored]) {
      expect(text).not.toContain("hunter2");
      expect(text).not.toContain(btoa("alice:hunter2-s3cret"));
    }
    expect(stored).toContain("refused the credentials");
  });
});
