import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { commandDatabase } from "../support/db.ts";
import { pushImage, type RealRegistry, startRegistry } from "../support/registry.ts";
import { fakeServer } from "./fake-registry.ts";

// `regstat sync` as an operator runs it against a real registry: its summary in text and JSON, a second
// run that finds nothing to change, and exit 1 when a repository could not be read.
const main = join(import.meta.dir, "../../src/main.ts");

/** A registry whose catalog names a repository that then cannot be read. */
const broken = fakeServer((_req, url) =>
  url.pathname === "/v2/_catalog" ? Response.json({ repositories: ["broken/app"] }) : new Response("down", { status: 503 }),
);

describe("regstat sync", () => {
  let registry: RealRegistry;
  let dbArgs: string[];
  let cleanup = async () => {};
  beforeAll(async () => {
    registry = await startRegistry();
    await pushImage(registry, "demo/app:v1");
    await pushImage(registry, "demo/tool:v2");
    const database = await commandDatabase("sync-command");
    dbArgs = database.args;
    cleanup = database.drop;
  });
  afterAll(async () => {
    await registry.stop();
    await cleanup();
  });

  // spawned, not spawnSync: the fake registry answers from this process while the command runs
  const sync = async (...args: string[]) => {
    const p = Bun.spawn([process.execPath, main, "sync", ...args, ...dbArgs], {
      env: { ...process.env, REGSTAT_PG_CONN_STR: "" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    return { code, out, err };
  };

  test("a first run adds what the registry holds and says so, on stdout and in one log line; exit 0", async () => {
    const first = await sync("--registry-url", registry.url);
    expect(first.code).toBe(0);
    const log = first.err
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(log).toEqual([expect.objectContaining({ level: "info", msg: "sync finished", registry: registry.host, errors: 0 })]);
    expect(first.out).toBe(
      `${registry.host} (${registry.url}): 2 repositories\n` + "  manifests +2 -0   blobs +4 -0   tags +2 ~0 -0   fetched 2\n",
    );
  });

  test("--format json: the same summary as data; a second run changes nothing", async () => {
    const again = await sync("--registry-url", registry.url, "--format", "json");
    expect(again.code).toBe(0);
    const summary = JSON.parse(again.out);
    expect(summary).toMatchObject({ errors: 0, registries: [{ registry: registry.host, url: registry.url, repositories: 2, errors: [] }] });
    expect(summary.registries[0]).toMatchObject({
      manifests: { added: 0, deleted: 0 },
      blobs: { added: 0, deleted: 0 },
      tags: { added: 0, moved: 0, deleted: 0 },
      fetched: 0,
    });
  });

  test("a repository the registry cannot answer for: reported, the others still synced, exit 1", async () => {
    const mixed = await sync("--registry-url", registry.url, "--registry-url", broken.url, "--format", "json");
    expect(mixed.code).toBe(1);
    const summary = JSON.parse(mixed.out);
    expect(summary.errors).toBe(1);
    expect(summary.registries.map((r: any) => [r.url, r.errors.length])).toEqual([
      [registry.url, 0],
      [broken.url, 1],
    ]);
    expect(summary.registries[1].errors[0]).toMatchObject({ repository: "broken/app" });
    const text = await sync("--registry-url", broken.url);
    expect(text.code).toBe(1);
    expect(text.out).toContain("  error: broken/app: ");
  });

  test("without --registry-url, or with an unknown argument: exit 2 and what to give", async () => {
    expect(await sync()).toMatchObject({
      code: 2,
      err: "regstat sync: name the registries to reconcile with --registry-url (repeatable)\n",
    });
    expect((await sync("--registry-url", registry.url, "--format", "yaml")).code).toBe(2);
  });
});
