import { expect, setDefaultTimeout, test } from "bun:test";
import { parseConfig } from "../../src/config.ts";
import type { Db } from "../../src/db/db.ts";
import { silentLogger } from "../../src/log.ts";
import { startRegistryWork } from "../../src/registry/background.ts";
import { createRegistryContext } from "../../src/registry/context.ts";
import { runSync } from "../../src/registry/sync.ts";
import { testApp } from "../support/app.ts";
import { expectConsistent } from "../support/check.ts";
import { freshDb } from "../support/db.ts";
import { envelope, pushManifest } from "../support/events.ts";
import { fakeServer, manifestResponse, schema2 } from "./fake-registry.ts";

// Each test opens a database of its own; on a busy machine that alone can take seconds.
setDefaultTimeout(30_000);

const a = schema2("a");
const b = schema2("b");
const c = schema2("c");
const old = schema2("old");

/** demo/app holds a (tagged v1); broken/app answers 503; the catalog lists both. */
const registry = fakeServer((req, url) => {
  if (url.pathname === "/v2/_catalog") return Response.json({ repositories: ["broken/app", "demo/app"] });
  if (url.pathname.startsWith("/v2/broken/")) return new Response("down", { status: 503 });
  if (url.pathname === "/v2/demo/app/tags/list") return Response.json({ name: "demo/app", tags: ["v1"] });
  if (url.pathname === "/v2/demo/app/manifests/v1") {
    const headers = { "content-type": a.mediaType, "docker-content-digest": a.digest, "content-length": String(a.text.length) };
    return new Response(req.method === "HEAD" ? null : a.text, { headers });
  }
  const blob = /^\/v2\/demo\/app\/blobs\/(.+)$/.exec(url.pathname)?.[1];
  if (blob) return new Response(null, { status: [a.config.digest, a.layer.digest].includes(blob) ? 200 : 404 });
  return manifestResponse([a], url, req.method);
});

async function push(db: Db, m: typeof a, repository: string, tag: string, timestamp: string) {
  const { post } = testApp(db);
  const event = pushManifest({
    repository,
    digest: m.digest,
    tag,
    mediaType: m.mediaType,
    host: registry.host,
    timestamp,
    references: [
      { mediaType: m.config.mediaType, size: m.config.size, digest: m.config.digest },
      { mediaType: m.layer.mediaType, size: m.layer.size, digest: m.layer.digest },
    ],
  });
  expect((await post(envelope(event))).status).toBe(200);
}

const deps = async (db: Db) => ({
  db,
  registry: await createRegistryContext({ registryUrl: [registry.url], dockerConfig: undefined, equivRegistries: undefined }, silentLogger),
  registryUrls: [registry.url],
  log: silentLogger,
});

test(
  "sync adds, repoints and deletes, but never undoes an event newer than its look, nor touches a repository it could not " + "read",
  async () => {
    const db = await freshDb();
    // Newer than the sync's look, and within the 5 minutes an event's time may run ahead of its receipt
    // (further ahead it would be stored at its receipt time, before the look).
    const future = new Date(Date.now() + 120_000).toISOString();
    await push(db, old, "demo/app", "v1", "2020-01-01T00:00:00Z"); // v1 has since moved to a
    await push(db, c, "demo/app", "v0", "2020-01-01T00:00:00Z"); // gone from the registry
    await push(db, b, "demo/app", "v2", future); // pushed while the sync looked: must stay
    await push(db, c, "broken/app", "v9", "2020-01-01T00:00:00Z"); // unreadable repository: must stay

    const lines: string[] = [];
    const summary = await runSync({ ...(await deps(db)), progress: (l) => lines.push(l) });
    const r = summary.registries[0]!;
    expect(summary.errors).toBe(1);
    expect(r.errors[0]).toMatchObject({ repository: "broken/app" });
    expect(r.errors[0]!.error).toContain("503");
    expect(lines).toEqual([`${registry.host}: 1/2 broken/app`, `${registry.host}: 2/2 demo/app`]);
    expect(r.tags).toEqual({ added: 0, moved: 1, deleted: 1 });

    const tags = await db.query("select tag, manifest_digest from regstat.tags order by registry, repository, tag");
    expect(tags).toEqual([
      { tag: "v9", manifest_digest: c.digest },
      { tag: "v1", manifest_digest: a.digest },
      { tag: "v2", manifest_digest: b.digest },
    ]);
    const held = await db.query<{ repository: string; digest: string; gone: boolean }>(
      "select repository, digest, deleted is not null as gone from regstat.repository_manifests order by repository, digest",
    );
    const state = Object.fromEntries(held.map((h) => [`${h.repository}@${h.digest}`, h.gone]));
    expect(state).toEqual({
      [`broken/app@${c.digest}`]: false,
      [`demo/app@${a.digest}`]: false,
      [`demo/app@${b.digest}`]: false,
      [`demo/app@${c.digest}`]: true,
      [`demo/app@${old.digest}`]: true,
    });
    // old is held nowhere else: retired with its links; c lives on in broken/app.
    expect(await db.query("select digest from regstat.deleted_manifests")).toEqual([{ digest: old.digest }]);
    expect(await db.query("select digest from regstat.manifests where digest = $1", [c.digest])).toHaveLength(1);
    const blobs = await db.query<{ digest: string }>(
      "select digest from regstat.repository_blobs where repository = 'demo/app' and deleted is null order by 1",
    );
    expect(blobs.map((x) => x.digest)).toEqual([a.config.digest, a.layer.digest].sort());
    await expectConsistent(db);
  },
);

test("with --sync-interval the server syncs by itself, and stops cleanly", async () => {
  const db = await freshDb();
  const { config } = parseConfig(["--registry-url", registry.url, "--sync-interval", "50ms"], {});
  const work = startRegistryWork({ db, registry: (await deps(db)).registry, config, log: silentLogger });
  const until = Date.now() + 10_000;
  while (!(await db.query("select 1 from regstat.tags where tag = 'v1'")).length && Date.now() < until) await Bun.sleep(25);
  await work.stop();
  await expectConsistent(db);
  expect(await db.query("select manifest_digest from regstat.tags where tag = 'v1'")).toEqual([{ manifest_digest: a.digest }]);
});
