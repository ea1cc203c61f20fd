import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { testApp } from "../support/app.ts";
import { expectConsistent } from "../support/check.ts";
import { freshDb } from "../support/db.ts";
import {
  deleteDigest,
  deleteTag,
  digestOf,
  envelope,
  HOST,
  image,
  OCI_INDEX,
  OCI_MANIFEST,
  pullBlob,
  pullManifest,
  pushManifest,
  ref,
} from "../support/events.ts";

let db: Db;
let post: ReturnType<typeof testApp>["post"];
beforeAll(async () => {
  db = await freshDb();
  post = testApp(db).post;
});
afterEach(() => expectConsistent(db));
afterAll(() => db.close());

const send = async (...events: unknown[]) => {
  const response = await post(envelope(...events));
  expect(response.status).toBe(200);
  return response.json();
};
const tag = async (name: string) =>
  (await db.query<Record<string, any>>("select * from regstat.tags where name = $1", [`${HOST}/${name}`]))[0];
const t = (minute: number) => new Date(Date.UTC(2026, 5, 1, 12, minute)).toISOString();

describe("tags", () => {
  test("a tag re-pointed to a new digest follows it and keeps the old pairing in history", async () => {
    const a = image("repoint-a", { repository: "r/repoint", tag: "v1" });
    const b = image("repoint-b", { repository: "r/repoint", tag: "v1" });
    await send(...a.blobPushes, a.push({ timestamp: t(1) }));
    await send(...b.blobPushes, b.push({ timestamp: t(2) }));
    expect((await tag("r/repoint:v1"))!.manifest_digest).toBe(b.digest);
    const history = await db.query("select manifest_digest from regstat.tag_history where name = $1 order by pushed", [
      `${HOST}/r/repoint:v1`,
    ]);
    expect(history).toEqual([{ manifest_digest: a.digest }, { manifest_digest: b.digest }]);
  });

  test("an older push arriving late does not move the tag back, nor its push time", async () => {
    const a = image("late-a", { repository: "r/late", tag: "v1" });
    const b = image("late-b", { repository: "r/late", tag: "v1" });
    await send(...b.blobPushes, b.push({ timestamp: t(20) }));
    await send(...a.blobPushes, a.push({ timestamp: t(10) }));
    const row = await tag("r/late:v1");
    expect(row!.manifest_digest).toBe(b.digest);
    expect(row!.pushed.toISOString()).toBe(t(20));
  });

  test("pulled only moves forward; every GET counts, HEAD does not", async () => {
    const a = image("pulls", { repository: "r/pulls", tag: "v1" });
    await send(...a.blobPushes, a.push({ timestamp: t(1) }));
    const pull = (minute: number, method = "GET") =>
      pullManifest({ repository: "r/pulls", digest: a.digest, tag: "v1", references: a.references, timestamp: t(minute), method });
    await send(pull(30));
    await send(pull(20), pull(25));
    await send(pull(40, "HEAD"));
    const row = await tag("r/pulls:v1");
    expect(row!.pulled.toISOString()).toBe(t(30));
    expect(row!.pull_count).toBe(3);
    expect(await db.query("select pull_count from regstat.manifests where digest = $1", [a.digest])).toEqual([{ pull_count: 3 }]);
  });

  test("a pull by digest counts for the live tags in that repository pointing at it, not elsewhere", async () => {
    const a = image("bydigest", { repository: "r/bydigest", tag: "v1" });
    const other = image("bydigest", { repository: "r/elsewhere", tag: "v1" });
    await send(
      ...a.blobPushes,
      a.push(),
      pushManifest({ repository: "r/bydigest", digest: a.digest, tag: "stable", references: a.references }),
    );
    await send(...other.blobPushes, other.push());
    await send(pullManifest({ repository: "r/bydigest", digest: a.digest, references: a.references }));
    expect((await tag("r/bydigest:v1"))!.pull_count).toBe(1);
    expect((await tag("r/bydigest:stable"))!.pull_count).toBe(1);
    expect((await tag("r/elsewhere:v1"))!.pull_count).toBe(0);
  });

  test("pulling an index's child by digest refreshes the index's tags without a second count", async () => {
    const amd = image("multi-amd64", { repository: "r/multi" });
    const arm = image("multi-arm64", { repository: "r/multi" });
    const index = digestOf("multi-index");
    await send(...amd.blobPushes, amd.push(), ...arm.blobPushes, arm.push());
    await send(
      pushManifest({
        repository: "r/multi",
        digest: index,
        mediaType: OCI_INDEX,
        tag: "latest",
        references: [ref(OCI_MANIFEST, amd.digest, 345), ref(OCI_MANIFEST, arm.digest, 345)],
      }),
    );
    await send(pullManifest({ repository: "r/multi", digest: index, mediaType: OCI_INDEX, tag: "latest", timestamp: t(50) }));
    await send(pullManifest({ repository: "r/multi", digest: arm.digest, references: arm.references, timestamp: t(51) }));
    const row = await tag("r/multi:latest");
    expect(row!.pulled.toISOString()).toBe(t(51));
    expect(row!.pull_count).toBe(1);
  });

  test("a pull of a tag regstat never saw pushed records it", async () => {
    const digest = digestOf("never-pushed");
    await send(pullManifest({ repository: "r/unseen", digest, tag: "v9", timestamp: t(5) }));
    const row = await tag("r/unseen:v9");
    expect(row).toMatchObject({ manifest_digest: digest, pushed: null, pull_count: 1 });
    expect(await db.query("select pushed, pull_count from regstat.manifests where digest = $1", [digest])).toEqual([
      { pushed: null, pull_count: 1 },
    ]);
    // Its references are unknown: it is queued to be fetched from the registry.
    expect(await db.query("select state from regstat.fetch_jobs where digest = $1", [digest])).toEqual([{ state: "pending" }]);
  });

  test("a deleted tag moves to deleted_tags, and a push older than the deletion does not bring it back", async () => {
    const a = image("deltag", { repository: "r/deltag", tag: "v1" });
    await send(...a.blobPushes, a.push({ timestamp: t(1) }));
    await send(deleteTag({ repository: "r/deltag", tag: "v1", timestamp: t(3) }));
    expect(await tag("r/deltag:v1")).toBeUndefined();
    await send(a.push({ timestamp: t(2), id: crypto.randomUUID() }));
    expect(await tag("r/deltag:v1")).toBeUndefined();
    const [deleted] = await db.query<Record<string, any>>("select * from regstat.deleted_tags where name = $1", [`${HOST}/r/deltag:v1`]);
    expect(deleted).toMatchObject({ manifest_digest: a.digest });
    expect(deleted!.deleted.toISOString()).toBe(t(3));
    // A newer push does.
    await send(a.push({ timestamp: t(4), id: crypto.randomUUID() }));
    expect((await tag("r/deltag:v1"))!.manifest_digest).toBe(a.digest);
  });
});

describe("deletes", () => {
  test("a manifest in two repositories, deleted from one, stays; deleted from both, moves with its links", async () => {
    const a = image("two-repos", { repository: "r/one" });
    const b = image("two-repos", { repository: "r/two" });
    await send(...a.blobPushes, a.push({ tag: "v1" }), ...b.blobPushes, b.push({ tag: "v1" }));
    await send(deleteDigest({ repository: "r/one", digest: a.digest }));
    expect(await tag("r/one:v1")).toBeUndefined();
    expect((await tag("r/two:v1"))!.manifest_digest).toBe(a.digest);
    expect(await db.query("select 1 from regstat.manifests where digest = $1", [a.digest])).toHaveLength(1);

    await send(deleteDigest({ repository: "r/two", digest: a.digest }));
    expect(await db.query("select 1 from regstat.manifests where digest = $1", [a.digest])).toHaveLength(0);
    expect(await db.query("select digest from regstat.deleted_manifests where digest = $1", [a.digest])).toHaveLength(1);
    expect(await db.query("select 1 from regstat.manifest_blob where manifest_digest = $1", [a.digest])).toHaveLength(0);
    expect(
      await db.query("select blob_digest from regstat.deleted_manifest_blob where manifest_digest = $1 order by 1", [a.digest]),
    ).toEqual([a.config, ...a.layers].sort().map((d) => ({ blob_digest: d })));
    expect(await db.query("select kind from regstat.deletions where digest = $1", [a.digest])).toEqual([
      { kind: "manifest" },
      { kind: "manifest" },
    ]);
  });

  test("a blob deleted from every repository moves to deleted_blobs; the manifest's link stays (a missing blob)", async () => {
    const a = image("gone-blob", { repository: "r/goneblob", tag: "v1" });
    await send(...a.blobPushes, a.push());
    const layer = a.layers[0]!;
    await send(deleteDigest({ repository: "r/goneblob", digest: layer }));
    expect(await db.query("select 1 from regstat.blobs where digest = $1", [layer])).toHaveLength(0);
    expect(await db.query("select 1 from regstat.deleted_blobs where digest = $1", [layer])).toHaveLength(1);
    expect(await db.query("select 1 from regstat.manifest_blob where blob_digest = $1", [layer])).toHaveLength(1);
  });

  test("a delete of a digest regstat never saw is kept in the event log and the deletion audit", async () => {
    const digest = digestOf("never-seen-delete");
    const event = deleteDigest({ repository: "r/ghost", digest });
    expect(await send(event)).toEqual({ stored: 1, duplicates: 0, dead_lettered: 0 });
    expect(await db.query("select kind from regstat.events where id = $1", [event.id])).toEqual([{ kind: "unknown" }]);
    expect(await db.query("select kind, repository from regstat.deletions where event_id = $1", [event.id])).toEqual([
      { kind: "unknown", repository: "r/ghost" },
    ]);
  });

  test("a delete older than the repository's latest push is stale and changes nothing", async () => {
    const a = image("stale-delete", { repository: "r/stale", tag: "v1" });
    await send(...a.blobPushes, a.push({ timestamp: t(30) }));
    await send(deleteDigest({ repository: "r/stale", digest: a.digest, timestamp: t(10) }));
    expect((await tag("r/stale:v1"))!.manifest_digest).toBe(a.digest);
    expect(
      await db.query("select deleted from regstat.repository_manifests where repository = 'r/stale' and digest = $1", [a.digest]),
    ).toEqual([{ deleted: null }]);
  });
});

describe("blobs, mounts and the event log", () => {
  test("blob GET pulls count, HEADs do not", async () => {
    const digest = digestOf("blob-pulls");
    await send(
      pullBlob({ repository: "r/blobs", digest, timestamp: t(1) }),
      pullBlob({ repository: "r/blobs", digest, timestamp: t(2), method: "HEAD" }),
    );
    expect(await db.query("select pull_count, pulled from regstat.blobs where digest = $1", [digest])).toEqual([
      { pull_count: 1, pulled: new Date(t(1)) },
    ]);
  });

  test("the event log keeps who, what, where and how", async () => {
    const a = image("logged", { repository: "r/logged", tag: "v1" });
    const event = a.push({ actor: "alice" });
    await send(event);
    const [row] = await db.query<Record<string, any>>("select * from regstat.events where id = $1", [event.id]);
    expect(row).toMatchObject({
      action: "push",
      kind: "manifest",
      registry: HOST,
      repository: "r/logged",
      digest: a.digest,
      tag: "v1",
      media_type: OCI_MANIFEST,
      size: 345,
      method: "PUT",
      actor: "alice",
      user_agent: "skopeo/1.9.3",
      source_instance: "f770ff64-ab0e-4967-a25e-d4e16c1339f6",
      source_addr: "vm:5000",
    });
    expect(row!.ts.toISOString()).toBe(new Date(event.timestamp).toISOString());
  });
});

describe("equivalent registries", () => {
  test("aliases of one registry are one registry in the data", async () => {
    const { post } = testApp(db, { equiv: { "registry.example.com": ["reg-alias:5000", "10.0.0.5:5000"] } });
    const a = image("equiv", { repository: "r/equiv", tag: "v1", host: "reg-alias:5000" });
    await post(envelope(...a.blobPushes, a.push()));
    await post(
      envelope(pullManifest({ repository: "r/equiv", digest: a.digest, tag: "v1", host: "10.0.0.5:5000", references: a.references })),
    );
    const tags = await db.query("select name, registry, pull_count from regstat.tags where repository = 'r/equiv'");
    expect(tags).toEqual([{ name: "registry.example.com/r/equiv:v1", registry: "registry.example.com", pull_count: 1 }]);
  });
});

describe("concurrency", () => {
  test("many envelopes at once on the same digests and tags: all committed, counts exact", async () => {
    const a = image("busy", { repository: "r/busy", tag: "v1" });
    await send(...a.blobPushes, a.push({ timestamp: t(0) }));
    const pulls = Array.from({ length: 60 }, (_, i) =>
      envelope(
        pullManifest({ repository: "r/busy", digest: a.digest, tag: "v1", references: a.references, timestamp: t(1 + (i % 50)) }),
        ...a.layers.map((digest) => pullBlob({ repository: "r/busy", digest })),
      ),
    );
    const answers = await Promise.all(pulls.map((p) => post(p)));
    expect(answers.map((r) => r.status)).toEqual(pulls.map(() => 200));
    const row = await tag("r/busy:v1");
    expect(row!.pull_count).toBe(60);
    expect(row!.pulled.toISOString()).toBe(t(50));
  });

  test("the same event in concurrent envelopes is stored once", async () => {
    const a = image("dup", { repository: "r/dup", tag: "v1" });
    const event = a.push();
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(envelope(event)).then((r) => r.json())));
    const stored = answers.reduce((n: number, a: any) => n + a.stored, 0);
    expect(stored).toBe(1);
    expect(await db.query("select count(*)::int as n from regstat.tag_history where manifest_digest = $1", [a.digest])).toEqual([{ n: 1 }]);
  });
});
