import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { testApp } from "../support/app.ts";
import { expectConsistent } from "../support/check.ts";
import { freshDb } from "../support/db.ts";
import { allFixtures, type Captured } from "../support/fixtures.ts";
import { type App, report } from "./support.ts";

// The real registry's history (../shared/fixtures), replayed through the webhook.
const REG = "127.0.0.1:5055";
const A392 = "sha256:a392548b85e018d402a45b81713e8ea659f0f3d9c3f22f0693de65e43bfc243d"; // demo/app:v1, other/app:v1
const V2S2 = "sha256:73a7f05feb72ffe55a9456ce1cba371e5845d7559bbc956cb7b1290787801c3c"; // demo/norefs:v1
const LAYER = "sha256:c0040693ef714f37044d8bf3da1dec2421d2bd394f99daa457c47f77cfdf7fa0";
const INDEX = "sha256:95300a44794bdd075dd8e1248ffb2a7f0bfd55b1cd1f39e56d5bc1ad204524c0"; // demo/multi:latest

describe("reports on the captured registry history", () => {
  let db: Db;
  let app: App;
  let events: Record<string, any>[];
  beforeAll(async () => {
    db = await freshDb();
    app = testApp(db);
    const captured: Captured[] = await allFixtures();
    for (const request of captured) {
      const response = await app.post(request.body, { "content-type": request.headers["content-type"]! });
      expect(response.status).toBe(200);
    }
    events = captured.flatMap((c) => c.body.events);
  });
  afterAll(() => db.close());

  test("every kept figure equals its recomputation", () => expectConsistent(db));

  const pushOf = (digest: string) => events.find((e) => e.action === "push" && e.target.digest === digest)!;

  test("images: the four live tags, with GET pulls only and the index's size including its platforms", async () => {
    const answer = await report(app, "images");
    expect(answer.rows.map((r: any) => [r.repository, r.tag, r.digest, r.pull_count])).toEqual([
      ["demo/app", "v1", A392, 3],
      ["demo/multi", "latest", INDEX, 0],
      ["demo/norefs", "v1", V2S2, 0],
      ["other/app", "v1", A392, 0],
    ]);
    expect(answer.next_cursor).toBeNull();
    const index = pushOf(INDEX).target;
    const children = index.references as { digest: string; size: number }[];
    const blobs = new Map<string, number>();
    for (const child of children) for (const r of pushOf(child.digest).target.references) blobs.set(r.digest, r.size);
    const expected = index.size + children.reduce((n, c) => n + c.size, 0) + [...blobs.values()].reduce((n, s) => n + s, 0);
    expect(answer.rows[1].size).toBe(expected);
    const v1 = pushOf(A392).target;
    expect(answer.rows[0].size).toBe(v1.size + v1.references.reduce((n: number, r: any) => n + r.size, 0));
    expect(answer.rows[0].pulled).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(answer.rows[1].pulled).toBeNull();
  });

  test("missing-blobs: other/app lost the layer its image needs; nothing else is missing", async () => {
    const answer = await report(app, "missing-blobs");
    expect(answer.rows.map((r: any) => [r.repository, r.digest, r.blob, r.reason])).toEqual([["other/app", A392, LAYER, "deleted"]]);
  });

  test("deletions: the manifest, the tag the registry deleted with it, and the layer, newest first", async () => {
    const answer = await report(app, "deletions");
    const deletes = events
      .filter((e) => e.action === "delete")
      .sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : a.id < b.id ? 1 : -1));
    expect(answer.rows.map((r: any) => [r.event_id, r.repository, r.digest ?? r.tag])).toEqual(
      deletes.map((e) => [e.id, e.target.repository, e.target.digest ?? e.target.tag]),
    );
    expect(answer.rows.map((r: any) => r.kind).sort()).toEqual(["blob", "manifest", "tag"]);
    expect(answer.rows.every((r: any) => r.registry === REG)).toBe(true);
  });

  test("most-tagged: the image tagged in two repositories comes first", async () => {
    const answer = await report(app, "most-tagged");
    expect(answer.rows[0]).toMatchObject({ digest: A392, tags: 2, repositories: 2, first_tag: `${REG}/demo/app:v1` });
    expect(answer.parameters.limit).toBe(10);
  });

  test("activity: the day's pushes, GET pulls, mounts and deletes, as the events say, per registry and per repository prefix", async () => {
    const days = new Set(events.map((e) => e.timestamp.slice(0, 10)));
    const ageInDays = Math.ceil((Date.now() - Date.parse([...days].sort()[0]!)) / 86_400_000) + 1;
    await expectActivity({ days: ageInDays, limit: 1000 }, () => true);
    await expectActivity({ days: ageInDays, limit: 1000, registry: REG }, () => true);
    await expectActivity({ days: ageInDays, limit: 1000, registry: "elsewhere:5000" }, () => false);
    await expectActivity({ days: ageInDays, limit: 1000, repository: "demo/" }, (e) => e.target.repository.startsWith("demo/"));
    await expectActivity(
      { days: ageInDays, limit: 1000, registry: REG, repository: "other/app" },
      (e) => e.target.repository === "other/app",
    );
  });

  test("registries: since when regstat watches the registry, and what it holds now", async () => {
    const days = events.map((e) => e.timestamp.slice(0, 10)).sort();
    const answer = await report(app, "registries");
    expect(answer.rows).toEqual([
      // demo/app, demo/multi, demo/norefs and other/app; the image in demo/app and other/app counts once
      { registry: REG, watched_since: days[0], last_active: days.at(-1), repositories: 4, images: 3, tags: 4 },
    ]);
    expect((await report(app, "registries", { repository: "demo/" })).rows[0]).toMatchObject({ repositories: 3, images: 3, tags: 3 });
    expect((await report(app, "registries", { registry: "elsewhere:5000" })).rows).toEqual([]);
  });

  async function expectActivity(params: Record<string, string | number>, kept: (event: Record<string, any>) => boolean) {
    const days = new Set(events.map((e) => e.timestamp.slice(0, 10)));
    const answer = await report(app, "activity", params);
    expect(answer.rows).toHaveLength(Number(params.days));
    for (const day of days) {
      const on = events.filter((e) => e.timestamp.startsWith(day) && kept(e));
      expect(answer.rows.find((r: any) => r.day === day)).toEqual({
        day,
        pushes: on.filter((e) => e.action === "push").length,
        pulls: on.filter((e) => e.action === "pull" && e.request.method === "GET").length,
        mounts: on.filter((e) => e.action === "mount").length,
        deletes: on.filter((e) => e.action === "delete").length,
      });
    }
  }
});
