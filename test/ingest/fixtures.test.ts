import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { testApp } from "../support/app.ts";
import { expectConsistent } from "../support/check.ts";
import { freshDb } from "../support/db.ts";
import { allFixtures, type Captured, fixture, fixtureFolders } from "../support/fixtures.ts";
import { ingestState as state } from "../support/state.ts";

const REG = "127.0.0.1:5055";
const A392 = "sha256:a392548b85e018d402a45b81713e8ea659f0f3d9c3f22f0693de65e43bfc243d"; // demo/app:v1, OCI
const V2S2 = "sha256:73a7f05feb72ffe55a9456ce1cba371e5845d7559bbc956cb7b1290787801c3c"; // demo/app:v2s2, later demo/norefs:v1
const LAYER = "sha256:c0040693ef714f37044d8bf3da1dec2421d2bd394f99daa457c47f77cfdf7fa0";
const CONFIG = "sha256:35c048219ad49619ceda829ab27c17e5aa1b97e1ed009b52673c77167775064b";
const INDEX = "sha256:95300a44794bdd075dd8e1248ffb2a7f0bfd55b1cd1f39e56d5bc1ad204524c0";

async function replay(db: Db, captured: Captured[]) {
  const { post } = testApp(db);
  const answers = [];
  for (const request of captured) {
    const response = await post(request.body, { "content-type": request.headers["content-type"]! });
    expect(response.status).toBe(200);
    answers.push(await response.json());
  }
  return answers;
}

for (const folder of fixtureFolders)
  describe(`replaying the registry history of ${folder}`, () => {
    let db: Db;
    let captured: Captured[];
    let answers: unknown[];
    beforeAll(async () => {
      db = await freshDb();
      captured = await allFixtures(folder);
      answers = await replay(db, captured);
    });
    afterEach(() => expectConsistent(db));
    afterAll(() => db.close());

    test("every event is stored once and nothing is dead-lettered", async () => {
      expect(answers).toEqual(captured.map(() => ({ stored: 1, duplicates: 0, dead_lettered: 0 })));
      expect(await db.query("select count(*)::int as n from regstat.events")).toEqual([{ n: 29 }]);
      expect(await db.query("select * from regstat.dead_letters")).toEqual([]);
    });

    test("the live tags are the ones the registry still has", async () => {
      const tags = await db.query<{ name: string; manifest_digest: string }>(
        "select name, manifest_digest, pull_count from regstat.tags order by name",
      );
      expect(tags).toEqual([
        { name: `${REG}/demo/app:v1`, manifest_digest: A392, pull_count: 3 },
        { name: `${REG}/demo/multi:latest`, manifest_digest: INDEX, pull_count: 0 },
        { name: `${REG}/demo/norefs:v1`, manifest_digest: V2S2, pull_count: 0 },
        { name: `${REG}/other/app:v1`, manifest_digest: A392, pull_count: 0 },
      ] as never);
    });

    test("GET pulls count (by tag and by digest), HEAD pulls do not", async () => {
      // demo/app:v1 was pulled with GET twice by tag and once by digest; HEADed three times.
      const [tag] = await db.query<{ pulled: Date }>(`select pulled from regstat.tags where name = $1`, [`${REG}/demo/app:v1`]);
      const lastGet = captured
        .flatMap((c) => c.body.events)
        .filter((e) => e.action === "pull" && e.target.digest === A392 && e.request.method === "GET")
        .map((e) => e.timestamp)
        .sort()
        .at(-1)!;
      expect(tag!.pulled.toISOString()).toBe(new Date(lastGet).toISOString());
      const [manifest] = await db.query(`select pull_count from regstat.manifests where digest = $1`, [A392]);
      expect(manifest).toEqual({ pull_count: 3 });
    });

    test("the v2s2 image deleted from demo/app left its tag and manifest in the deleted tables", async () => {
      expect(await db.query("select name, manifest_digest from regstat.deleted_tags")).toEqual([
        { name: `${REG}/demo/app:v2s2`, manifest_digest: V2S2 },
      ]);
      const [rm] = await db.query<{ deleted: Date | null }>(
        "select deleted from regstat.repository_manifests where repository = 'demo/app' and digest = $1",
        [V2S2],
      );
      expect(rm!.deleted).toBeInstanceOf(Date);
      // 03 pushed the same digest to demo/norefs afterwards, so the manifest is live again.
      expect(await db.query("select digest from regstat.manifests where digest = $1", [V2S2])).toHaveLength(1);
      expect(await db.query("select digest from regstat.deleted_manifests")).toEqual([{ digest: V2S2 }]);
    });

    test("the layer deleted from other/app is gone there only", async () => {
      const holders = await db.query(
        "select repository, deleted is not null as deleted from regstat.repository_blobs where digest = $1 order by repository",
        [LAYER],
      );
      expect(holders).toEqual([
        { repository: "demo/app", deleted: false },
        { repository: "demo/norefs", deleted: false },
        { repository: "other/app", deleted: true },
      ]);
      expect(await db.query("select kind from regstat.deletions order by deleted")).toEqual([
        { kind: "manifest" },
        { kind: "tag" },
        { kind: "blob" },
      ]);
    });

    test("references give each image manifest its blobs, with their real media types", async () => {
      expect(await db.query("select blob_digest from regstat.manifest_blob where manifest_digest = $1 order by 1", [A392])).toEqual([
        { blob_digest: CONFIG },
        { blob_digest: LAYER },
      ]);
      expect(await db.query("select media_type, size from regstat.blobs where digest = $1", [LAYER])).toEqual([
        { media_type: expect.stringContaining("tar.gzip"), size: 144 },
      ]);
    });

    test("the index knows its two platform manifests", async () => {
      const children = await db.query("select child_digest from regstat.manifest_children where parent_digest = $1", [INDEX]);
      expect(children).toHaveLength(2);
    });

    test("the mount put the layer in other/app, at the mount's time, counted as a mount", async () => {
      // The later delete of the layer from other/app leaves a tombstone row whatever the mount did, so the
      // mount's own facts are what is checked: its time as the holding's push time, and its activity count.
      const mount = captured.flatMap((c) => c.body.events).find((e) => e.action === "mount")!;
      expect(mount.target.repository).toBe("other/app");
      const [row] = await db.query<{ pushed: Date | null }>(
        "select pushed from regstat.repository_blobs where repository = 'other/app' and digest = $1",
        [LAYER],
      );
      expect(row!.pushed?.toISOString()).toBe(new Date(mount.timestamp).toISOString());
      expect(await db.query("select count::int from regstat.activity_daily where repository = 'other/app' and action = 'mount'")).toEqual([
        { count: 1 },
      ]);
    });

    test("redelivering the whole history changes nothing", async () => {
      const before = await state(db);
      const again = await replay(db, captured);
      expect(again).toEqual(captured.map(() => ({ stored: 0, duplicates: 1, dead_lettered: 0 })));
      expect(await state(db)).toEqual(before);
    });

    test("pushes and pulls in any delivery order give the same state", async () => {
      // Without deletes, the state depends only on the events' own times. (A pull by digest counts for the
      // tags that point at the digest when it arrives, so tag pull counts are left out here.)
      const withoutDeletes = captured.filter((c) => c.body.events[0]!.action !== "delete");
      const inOrder = await freshDb();
      await replay(inOrder, withoutDeletes);
      const expected = orderFree(await state(inOrder));
      for (const seed of [1, 2, 3]) {
        const other = await freshDb();
        await replay(other, shuffle(withoutDeletes, seed));
        expect(orderFree(await state(other))).toEqual(expected);
        await expectConsistent(other);
        await other.close();
      }
      const other = await freshDb();
      const { post } = testApp(other);
      const all = { events: shuffle(withoutDeletes, 4).flatMap((c) => c.body.events) };
      expect(await (await post(all)).json()).toEqual({ stored: 26, duplicates: 0, dead_lettered: 0 });
      expect(orderFree(await state(other))).toEqual(expected);
      await expectConsistent(other);
      await expectConsistent(inOrder);
      await Promise.all([other.close(), inOrder.close()]);
    });

    test("a re-pushed manifest without references gets back the links it had before its deletion", async () => {
      // 03 pushed V2S2 (deleted by 01) to demo/norefs without references.
      expect(await db.query("select blob_digest from regstat.manifest_blob where manifest_digest = $1 order by 1", [V2S2])).toEqual([
        { blob_digest: CONFIG },
        { blob_digest: LAYER },
      ]);
    });
  });

describe("registry 2.8 and v3 wire shapes", () => {
  test("the same history in either shape gives the same state", async () => {
    const [v2, v3] = await Promise.all([freshDb(), freshDb()]);
    await replay(v2, await allFixtures("distribution-2.8.2"));
    await replay(v3, await allFixtures("distribution-3.0-derived"));
    expect(await state(v3)).toEqual(await state(v2));
    // The event log too, column by column: v3's empty descriptor fields are stored as 2.8's absent ones.
    const log = "select * from regstat.events order by id";
    const strip = (rows: Record<string, unknown>[]) => rows.map(({ received: _, ...row }) => row);
    expect(strip(await v3.query(log))).toEqual(strip(await v2.query(log)));
    await Promise.all([v2.close(), v3.close()]);
  });

  test("a v3 untag by name deletes that tag only: the manifest and its other tags stay", async () => {
    const db = await freshDb();
    await replay(db, await allFixtures("distribution-3.0-derived"));
    const answers = await replay(db, await fixture("04-delete-tag-by-name", "distribution-3.0-derived"));
    expect(answers).toEqual([{ stored: 1, duplicates: 0, dead_lettered: 0 }]);
    expect(await db.query("select name from regstat.tags order by name")).toEqual([
      { name: `${REG}/demo/multi:latest` },
      { name: `${REG}/demo/norefs:v1` },
      { name: `${REG}/other/app:v1` },
    ]);
    expect(await db.query("select manifest_digest, pull_count from regstat.deleted_tags where name = $1", [`${REG}/demo/app:v1`])).toEqual([
      { manifest_digest: A392, pull_count: 3 },
    ]);
    expect(
      await db.query("select deleted from regstat.repository_manifests where repository = 'demo/app' and digest = $1", [A392]),
    ).toEqual([{ deleted: null }]);
    expect(await db.query("select digest from regstat.manifests where digest = $1", [A392])).toHaveLength(1);
    expect(await db.query("select kind, tag from regstat.deletions where tag = 'v1'")).toEqual([{ kind: "tag", tag: "v1" }]);
    await db.close();
  });
});

function orderFree(s: Awaited<ReturnType<typeof state>>) {
  const { fetch_jobs: _, ...rest } = s;
  return { ...rest, tags: s.tags.map(({ pull_count: _c, pulled: _p, ...tag }) => tag) };
}

function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  const random = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
