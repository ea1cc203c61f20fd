import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Db } from "../../src/db/db.ts";
import { testApp } from "../support/app.ts";
import { freshDb } from "../support/db.ts";
import { eventually } from "../support/eventually.ts";
import { buildBase, copyImage, pulls, pushImage, pushIndex, type RealRegistry, startRegistry } from "../support/registry.ts";
import { type App, report } from "./support.ts";

// The proof is the registry itself: each plan's script is run against a real registry, then its garbage
// collection, and the bytes freed on disk must be the plan's total, to the byte.

let db: Db;
let app: App;
let reg: RealRegistry;
let server: ReturnType<typeof Bun.serve>;
const done: (() => unknown)[] = [];
afterAll(async () => {
  for (const fn of done.reverse()) await fn();
});

const query = (params: Record<string, string>) => new URLSearchParams({ registry: reg.host, ...params }).toString();

/** Takes the plan, runs its script, waits for regstat to hear the deletes, collects garbage; what it freed. */
async function apply(params: Record<string, string>) {
  const plan = await report(app, "cleanup", { registry: reg.host, limit: 1000, ...params });
  const response = await app.app.request(`/reports/cleanup?${query({ ...params, format: "script" })}`);
  expect(response.status).toBe(200);
  const script = await response.text();
  const path = join(tmpdir(), `regstat-cleanup-${process.pid}-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(path, script);
  done.push(() => rmSync(path, { force: true }));
  const before = await reg.blobBytes();
  const run = Bun.spawnSync(["sh", path], { env: { ...process.env, REGISTRY_URL: reg.url }, stderr: "pipe" });
  expect({ exit: run.exitCode, stderr: run.stderr.toString() }).toMatchObject({ exit: 0 });
  // regstat hears each delete from the registry: applied, the rule deletes nothing more
  await eventually("regstat to see the plan applied", async () => {
    const after = await report(app, "cleanup", { registry: reg.host, ...params, totals: "false" });
    return after.rows.every((r: any) => r.kind === "tag");
  });
  await reg.garbageCollect({ stopped: true });
  return { plan, script, freed: before - (await reg.blobBytes()) };
}

describe("cleanup plans applied to a real registry", () => {
  const images: Record<string, string> = {};
  beforeAll(async () => {
    db = await freshDb();
    app = testApp(db);
    server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: app.app.fetch });
    done.push(
      () => db.close(),
      () => server.stop(true),
    );
    reg = await startRegistry({ notify: `http://127.0.0.1:${server.port}/events`, includeReferences: true });
    done.push(() => reg.stop());

    // team/app v1..v3 and team/lib share a base layer; rc is a second tag on v3; dev is re-pointed, leaving
    // its first manifest untagged; team/multi is an index over two platforms pushed untagged
    const base = await buildBase("base");
    done.push(() => rmSync(base.dir, { recursive: true, force: true }));
    for (const tag of ["v1", "v2", "v3"]) images[tag] = (await pushImage(reg, `team/app:${tag}`, tag, { base })).digest;
    await copyImage(reg, "team/app:v3", "team/app:rc");
    images.lib = (await pushImage(reg, "team/lib:stable", "lib", { base })).digest;
    images.devOld = (await pushImage(reg, "team/app:dev", "dev-old")).digest;
    images.dev = (await pushImage(reg, "team/app:dev", "dev-new")).digest;
    images.index = (await pushIndex(reg, "team/multi:latest")).digest;
    await eventually("regstat to record the pushes", async () => {
      const [row] = await db.query<{ tags: number; manifests: number }>(
        "select (select count(*) from regstat.tags)::int as tags, (select count(*) from regstat.repository_manifests where deleted is " +
          "null)::int as manifests",
      );
      return row!.tags === 7 && row!.manifests === 9;
    });
    await reg.garbageCollect({ stopped: true }); // nothing unreferenced before the first plan
  }, 120_000);

  test("a tag deleted alone frees nothing; Distribution 2.x cannot delete it, so the script leaves it and says so", async () => {
    const { plan, script, freed } = await apply({ tag: "^rc$" });
    expect(plan.rows.map((r: any) => [r.tag, r.kind])).toEqual([["rc", "tag"]]);
    expect(plan.totals).toEqual({ reclaimable_bytes: 0, tags: 1, manifests: 0, kept_tags: 6 });
    expect(freed).toBe(0);
    expect(script).toContain('# kept: Distribution 2.x cannot delete a tag alone, and its manifest stays for other tags: "team/app:rc"');
    // the registry agrees: a delete by tag is refused
    const refused = await fetch(`${reg.url}/v2/team/app/manifests/rc`, { method: "DELETE" });
    expect(refused.status).not.toBe(202);
    expect(await pulls(reg, "team/app:rc")).toBe(true);
    // for v3 the script deletes it by name
    const v3 = await app.app.request(`/reports/cleanup?${query({ tag: "^rc$", format: "script", registry_version: "3" })}`);
    expect(await v3.text()).toContain("delete 'team/app:rc' '/v2/team/app/manifests/rc'");
  }, 60_000);

  test("keep_last: the older images go, the shared base layer stays", async () => {
    const { plan, freed } = await apply({ repository: "team/app", tag: "^v", keep_last: "1" });
    expect(plan.rows.map((r: any) => [r.tag, r.kind])).toEqual([
      ["v1", "image"],
      ["v2", "image"],
    ]);
    expect(plan.totals.reclaimable_bytes).toBeGreaterThan(0);
    expect(freed).toBe(plan.totals.reclaimable_bytes);
    for (const tag of ["v1", "v2"]) expect(await pulls(reg, `team/app:${tag}`)).toBe(false);
    for (const ref of ["team/app:v3", "team/app:rc", "team/app:dev", "team/lib:stable", "team/multi:latest"])
      expect(await pulls(reg, ref)).toBe(true);
  }, 60_000);

  test("untagged=true: the manifest the re-pointed tag left goes; the index's untagged platforms stay", async () => {
    const { plan, freed } = await apply({ untagged: "true" });
    expect(plan.rows.map((r: any) => [r.digest, r.kind])).toEqual([[images.devOld, "untagged"]]);
    expect(freed).toBe(plan.totals.reclaimable_bytes);
    expect(freed).toBeGreaterThan(0);
    expect(await pulls(reg, `team/app@${images.devOld}`)).toBe(false);
    for (const ref of ["team/app:v3", "team/app:dev", "team/multi:latest"]) expect(await pulls(reg, ref)).toBe(true);
  }, 60_000);

  test("an index goes with its platforms", async () => {
    const { plan, freed } = await apply({ repository: "team/multi", tag: "." });
    expect(plan.rows.map((r: any) => r.kind).sort()).toEqual(["image", "platform", "platform"]);
    expect(plan.totals.manifests).toBe(3);
    expect(freed).toBe(plan.totals.reclaimable_bytes);
    expect(await pulls(reg, "team/multi:latest")).toBe(false);
  }, 60_000);

  test("two tags on one manifest go together; the base layer goes only with the last image holding it", async () => {
    const first = await apply({ tag: ".", keep_tag: "^stable$" });
    expect(first.plan.rows.map((r: any) => [r.tag, r.kind])).toEqual([
      ["dev", "image"],
      ["rc", "image"],
      ["v3", "image"],
    ]);
    expect(first.freed).toBe(first.plan.totals.reclaimable_bytes);
    for (const ref of ["team/app:v3", "team/app:rc", "team/app:dev"]) expect(await pulls(reg, ref)).toBe(false);
    expect(await pulls(reg, "team/lib:stable")).toBe(true);

    const last = await apply({ tag: "." });
    expect(last.plan.totals).toMatchObject({ tags: 1, manifests: 1, kept_tags: 0 });
    expect(last.freed).toBe(last.plan.totals.reclaimable_bytes);
    expect(await pulls(reg, "team/lib:stable")).toBe(false);
    // nothing is left but what no manifest ever referenced
    expect(await reg.blobBytes()).toBe(0);
  }, 60_000);
});
