import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { testApp } from "../support/app.ts";
import { freshDb } from "../support/db.ts";
import {
  deleteDigest,
  digestOf,
  HOST,
  OCI_INDEX,
  OCI_LAYER,
  OCI_MANIFEST,
  pullManifest,
  pushBlob,
  pushManifest,
  ref,
} from "../support/events.ts";
import { type App, allPages, daysAgo, deliver, report } from "./support.ts";

// A registry whose every byte count is known by construction: each blob and manifest has a size of its own
// (powers of two where the sums must be told apart), so an answer names exactly which ones it counted.
type Built = { digest: string; size: number; blobs: [string, number][]; events: unknown[] };
let sizes = 0;
function built(repository: string, seed: string, blobs: [string, number][], o: { tag?: string; days: number }): Built {
  const digest = digestOf(`${seed}/manifest`);
  const size = 100 + ++sizes;
  const when = daysAgo(o.days);
  const events = [
    ...blobs.map(([d, s]) => pushBlob({ repository, digest: d, size: s, timestamp: when })),
    pushManifest({ repository, digest, size, tag: o.tag, timestamp: when, references: blobs.map(([d, s]) => ref(OCI_LAYER, d, s)) }),
  ];
  return { digest, size, blobs, events };
}
const tagAgain = (repository: string, m: Built, tag: string, days: number) =>
  pushManifest({
    repository,
    digest: m.digest,
    size: m.size,
    tag,
    timestamp: daysAgo(days),
    references: m.blobs.map(([d, s]) => ref(OCI_LAYER, d, s)),
  });
const blob = (seed: string, size: number): [string, number] => [digestOf(seed), size];

const base = blob("base", 1 << 20);
// team/app: v1 < v2 < v3 = latest by push; dev pushed at X, then re-pointed to v2 (X is left untagged); U never tagged
const v1 = built("team/app", "v1", [base, blob("l1", 1 << 1)], { tag: "v1", days: 30 });
const v2 = built("team/app", "v2", [base, blob("l2", 1 << 2)], { tag: "v2", days: 20 });
const v3 = built("team/app", "v3", [base, blob("l3", 1 << 3)], { tag: "v3", days: 10 });
const x = built("team/app", "x", [blob("lx", 1 << 4)], { tag: "dev", days: 3 });
const u = built("team/app", "u", [blob("lu", 1 << 5)], { days: 15 });
// team/lib shares the base layer
const lib = built("team/lib", "lib", [base, blob("lib", 1 << 6)], { tag: "stable", days: 40 });
// team/multi: an index over two platforms (pushed untagged first, as clients do)
const amd = built("team/multi", "amd", [base, blob("amd", 1 << 7)], { days: 5 });
const arm = built("team/multi", "arm", [base, blob("arm", 1 << 8)], { days: 5 });
const INDEX = digestOf("multi/index");
const INDEX_SIZE = 1 << 9;
// team/old: an image whose only layer was deleted from the registry (a gc hazard), and nothing else
const gone = built("team/old", "gone", [blob("gone", 1 << 10)], { tag: "v0", days: 100 });

describe("the cleanup planner", () => {
  let db: Db;
  let app: App;
  beforeAll(async () => {
    db = await freshDb();
    app = testApp(db);
    await deliver(
      app,
      ...v1.events,
      ...v2.events,
      ...v3.events,
      tagAgain("team/app", v3, "latest", 9),
      ...x.events,
      ...u.events,
      tagAgain("team/app", v2, "dev", 1),
      ...lib.events,
      pullManifest({ repository: "team/lib", digest: lib.digest, size: lib.size, tag: "stable", timestamp: daysAgo(2) }),
      ...amd.events,
      ...arm.events,
      pushManifest({
        repository: "team/multi",
        digest: INDEX,
        mediaType: OCI_INDEX,
        size: INDEX_SIZE,
        tag: "latest",
        timestamp: daysAgo(5),
        references: [ref(OCI_MANIFEST, amd.digest, amd.size), ref(OCI_MANIFEST, arm.digest, arm.size)],
      }),
      ...gone.events,
      deleteDigest({ repository: "team/old", digest: gone.blobs[0]![0], timestamp: daysAgo(50) }),
    );
  });
  afterAll(() => db.close());

  const plan = (params: Record<string, string | number>) => report(app, "cleanup", params);
  const rowsOf = (answer: any) => answer.rows.map((r: any) => [r.repository, r.kind, r.tag ?? r.digest]);

  test("keep_last keeps the newest tags of each repository; a tag whose manifest another kept tag holds goes alone", async () => {
    const answer = await plan({ keep_last: 2 });
    // team/app by push: dev (1d, at v2), latest (9d, at v3), v3 (10d), v2 (20d), v1 (30d)
    expect(rowsOf(answer)).toEqual([
      ["team/app", "image", "v1"],
      ["team/app", "tag", "v2"],
      ["team/app", "tag", "v3"],
    ]);
    const [r1, r2] = answer.rows;
    expect(r1).toMatchObject({
      registry: HOST,
      digest: v1.digest,
      exclusive_bytes: v1.size + 2,
      shared: true,
      pull_count: 0,
      pulled: null,
    });
    expect(r2).toMatchObject({ digest: v2.digest, exclusive_bytes: 0, shared: true });
    // team/app 3 deleted, 2 kept; team/lib 1, team/multi 1, team/old 1 kept
    expect(answer.totals).toEqual({ reclaimable_bytes: v1.size + 2, tags: 3, manifests: 1, kept_tags: 5 });
  });

  test("untagged=true also deletes what no tag reaches: the manifest a re-pointed tag left, and a never tagged one", async () => {
    const answer = await plan({ keep_last: 1, untagged: "true", repository: "team/app" });
    const untagged = [u.digest, x.digest].sort().map((d) => ["team/app", "untagged", d]);
    expect(rowsOf(answer)).toEqual([
      ...untagged,
      ["team/app", "image", "latest"],
      ["team/app", "image", "v1"],
      ["team/app", "tag", "v2"],
      ["team/app", "image", "v3"],
    ]);
    // v3 goes (both its tags do), the base layer stays (v2 and the other repositories hold it)
    expect(answer.totals).toEqual({
      reclaimable_bytes: v1.size + 2 + v3.size + 8 + x.size + 16 + u.size + 32,
      tags: 4,
      manifests: 4,
      kept_tags: 1,
    });
    const latest = answer.rows.find((r: any) => r.tag === "latest");
    expect(latest).toMatchObject({ digest: v3.digest, exclusive_bytes: v3.size + 8, shared: true });
    expect(answer.rows.find((r: any) => r.digest === u.digest)).toMatchObject({ tag: null, exclusive_bytes: u.size + 32, shared: false });
  });

  test("untagged=true alone deletes no tag; platforms of a live index are never untagged", async () => {
    const answer = await plan({ untagged: "true" });
    expect(answer.rows.map((r: any) => r.digest).sort()).toEqual([u.digest, x.digest].sort());
    expect(answer.totals).toMatchObject({ tags: 0, manifests: 2, kept_tags: 8, reclaimable_bytes: x.size + 16 + u.size + 32 });
  });

  test("an index goes with its platforms; bytes shared with other repositories stay", async () => {
    const answer = await plan({ repository: "team/multi", tag: "^latest$" });
    expect(rowsOf(answer)).toEqual([
      ["team/multi", "platform", [amd.digest, arm.digest].sort()[0]],
      ["team/multi", "platform", [amd.digest, arm.digest].sort()[1]],
      ["team/multi", "image", "latest"],
    ]);
    const freed = INDEX_SIZE + amd.size + arm.size + (1 << 7) + (1 << 8);
    expect(answer.rows[2]).toMatchObject({ digest: INDEX, exclusive_bytes: freed, shared: true });
    expect(answer.rows[0]).toMatchObject({ exclusive_bytes: null, shared: null });
    expect(answer.totals).toEqual({ reclaimable_bytes: freed, tags: 1, manifests: 3, kept_tags: 0 });
  });

  test("the base layer goes only when every image holding it goes, across repositories", async () => {
    const answer = await plan({ tag: ".", untagged: "true" });
    expect(answer.totals.tags).toBe(8);
    expect(answer.totals.kept_tags).toBe(0);
    const manifests = [v1, v2, v3, x, u, lib, amd, arm, gone];
    // every manifest and blob regstat knows of, except the layer already gone
    const all = manifests.reduce((sum, m) => sum + m.size, 0) + INDEX_SIZE + (1 << 20) + 2 + 4 + 8 + 16 + 32 + 64 + 128 + 256;
    expect(answer.totals).toMatchObject({ manifests: 10, reclaimable_bytes: all });
    // per repository, alone: team/lib cannot free the base layer that team/app still holds
    const repos = await report(app, "cleanup-repositories", { tag: ".", untagged: "true" });
    const lib_ = repos.rows.find((r: any) => r.repository === "team/lib");
    expect(lib_).toEqual({ registry: HOST, repository: "team/lib", tags: 1, manifests: 1, kept_tags: 0, reclaimable_bytes: lib.size + 64 });
    expect(repos.rows.map((r: any) => r.repository)).toEqual(["team/app", "team/lib", "team/multi", "team/old"]);
  });

  test("keep_tag, keep_pushed_within and keep_pulled_within keep tags; tag judges only the matching ones", async () => {
    const kept = async (params: Record<string, string>) =>
      (await plan({ ...params, totals: "false" })).rows
        .filter((r: any) => r.tag)
        .map((r: any) => `${r.repository}:${r.tag}`)
        .sort();
    const everyTag = [
      "team/app:dev",
      "team/app:latest",
      "team/app:v1",
      "team/app:v2",
      "team/app:v3",
      "team/lib:stable",
      "team/multi:latest",
      "team/old:v0",
    ];
    expect(await kept({ tag: "." })).toEqual(everyTag);
    expect(await kept({ keep_tag: "^v\\d+|latest" })).toEqual(["team/app:dev", "team/lib:stable"]);
    expect(await kept({ keep_pushed_within: "12d" })).toEqual(["team/app:v1", "team/app:v2", "team/lib:stable", "team/old:v0"]);
    expect(await kept({ keep_pulled_within: "7d" })).toEqual(everyTag.filter((t) => t !== "team/lib:stable"));
    expect(await kept({ tag: "^v[12]$" })).toEqual(["team/app:v1", "team/app:v2"]);
    expect(await kept({ tag: "^v", keep_last: "1" })).toEqual(["team/app:v1", "team/app:v2"]);
    // totals=false answers the rows alone
    expect((await plan({ tag: ".", totals: "false" })).totals).toBeUndefined();
  });

  test("pages: the rows of a plan come page by page, each once, in order", async () => {
    const whole = (await plan({ tag: ".", untagged: "true", limit: 1000 })).rows;
    const paged: any[] = [];
    let cursor: string | undefined;
    do {
      const page = await plan({ tag: ".", untagged: "true", limit: 2, totals: "false", ...(cursor ? { cursor } : {}) });
      paged.push(...page.rows);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(paged).toEqual(whole);
    expect(whole.length).toBe(12);
  });

  test("bad rules: a 400 naming the parameter", async () => {
    const error = async (params: Record<string, string>) => {
      const query = new URLSearchParams(params);
      const response = await app.app.request(`/reports/cleanup?${query}`);
      expect(response.status).toBe(400);
      return ((await response.json()) as any).error.details.parameter;
    };
    expect(await error({})).toBe("tag");
    expect(await error({ untagged: "false" })).toBe("tag");
    expect(await error({ keep_last: "-1" })).toBe("keep_last");
    expect(await error({ keep_last: "two" })).toBe("keep_last");
    expect(await error({ keep_pushed_within: "a week" })).toBe("keep_pushed_within");
    expect(await error({ keep_pulled_within: "7" })).toBe("keep_pulled_within");
    expect(await error({ tag: "(" })).toBe("tag");
    expect(await error({ keep_tag: "[" })).toBe("keep_tag");
    expect(await error({ keep_tag: "a{2,1}" })).toBe("keep_tag");
    // JavaScript takes these, PostgreSQL does not: still the caller's mistake, named
    expect(await error({ keep_tag: "(?<n>x)" })).toBe("keep_tag");
    expect(await error({ tag: "\\p{L}", format: "script", registry: HOST })).toBe("tag");
    expect(await error({ tag: "a++", totals: "false" })).toBe("tag");
    expect(await error({ untagged: "yes" })).toBe("untagged");
    expect(await error({ untagged: "true", registry_version: "4" })).toBe("registry_version");
    expect(await error({ untagged: "true", format: "script" })).toBe("registry");
    expect(await error({ untagged: "true", format: "xml" })).toBe("format");
  });

  test("csv carries the reclaimable bytes in a header", async () => {
    const response = await app.app.request("/reports/cleanup?keep_last=2&format=csv");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-reclaimable-bytes")).toBe(String(v1.size + 2));
    const lines = (await response.text()).trim().split("\r\n");
    expect(lines[0]).toBe("registry,repository,kind,tag,digest,pushed,pulled,pull_count,exclusive_bytes,shared");
    expect(lines.length).toBe(4);
  });

  test("gc-hazards: untagged platforms of a tagged index, and manifests naming a blob that is gone", async () => {
    const { rows } = await report(app, "gc-hazards");
    expect(rows.map((r: any) => [r.repository, r.hazard, r.digest, r.reference])).toEqual([
      ["team/multi", "untagged_platform", INDEX, [amd.digest, arm.digest].sort()[0]],
      ["team/multi", "untagged_platform", INDEX, [amd.digest, arm.digest].sort()[1]],
      ["team/old", "missing_blob", gone.digest, gone.blobs[0]![0]],
    ]);
    // pages of one give the same rows in the same order, across both kinds of hazard
    expect(await allPages(app, "gc-hazards", { limit: 1 })).toEqual(rows);
    // a tag on a platform takes it off the list
    await deliver(app, tagAgain("team/multi", amd, "amd64", 0));
    const after = await report(app, "gc-hazards", { repository: "team/multi" });
    expect(after.rows.map((r: any) => r.reference)).toEqual([arm.digest]);
  });
});
