import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { testApp } from "../support/app.ts";
import { expectConsistent } from "../support/check.ts";
import { freshDb } from "../support/db.ts";
import {
  deleteDigest,
  deleteTag,
  digestOf,
  envelope,
  image,
  mountBlob,
  OCI_INDEX,
  OCI_MANIFEST,
  pullManifest,
  pushBlob,
  pushManifest,
  ref,
} from "../support/events.ts";
import { prng } from "../support/prng.ts";

// A registry's life drawn at random over a few repositories, images, shared layers and an index, so that every
// event lands on rows other events touch: pushes with and without references, mounts, tag moves, deletes of
// tags, manifests and blobs, events out of order, several per envelope, and changes made straight in SQL.
// After every envelope the figures the database keeps must equal their recomputation from scratch.
const SEED = Number(process.env.REGSTAT_WALK_SEED ?? 1010);
const STEPS = 160;

const random = prng(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]) => items[int(items.length)]!;

const repos = ["walk/a", "walk/b", "walk/c"];
const layers = Array.from({ length: 5 }, (_, i) => digestOf(`walk-layer-${i}`));
const images = Array.from({ length: 6 }, (_, i) =>
  image(`walk-${i}`, { repository: "walk/a", layers: [layers[i % 5]!, layers[(i + 2) % 5]!] }),
);
const INDEX = digestOf("walk/index");
const platforms = [images[0]!, images[1]!];
const tags = ["v1", "v2", "latest"];
let clock = Date.parse("2026-02-01T00:00:00Z");
// mostly in order, sometimes an hour late
const when = () => new Date((clock += 1000) - (random() < 0.15 ? 3_600_000 : 0)).toISOString();

function event(): object {
  const repository = pick(repos);
  const img = pick(images);
  const roll = random();
  if (roll < 0.22) return { ...img.push({ repository, tag: random() < 0.7 ? pick(tags) : undefined }), timestamp: when() };
  if (roll < 0.3) {
    return pushManifest({
      repository,
      digest: INDEX,
      mediaType: OCI_INDEX,
      size: 500,
      tag: pick(tags),
      timestamp: when(),
      references: platforms.map((p) => ref(OCI_MANIFEST, p.digest, 345)),
    });
  }
  if (roll < 0.36) return pushManifest({ repository, digest: img.digest, tag: pick(tags), timestamp: when() }); // no references
  if (roll < 0.48) return { ...pick(img.blobPushes), target: { ...pick(img.blobPushes).target, repository }, timestamp: when() };
  if (roll < 0.55) return mountBlob({ repository, digest: pick(layers), from: pick(repos), timestamp: when() });
  if (roll < 0.6) return pushBlob({ repository, digest: digestOf(`walk-orphan-${int(3)}`), size: 777, timestamp: when() });
  if (roll < 0.68) return pullManifest({ repository, digest: img.digest, tag: pick(tags), timestamp: when() });
  if (roll < 0.76) return deleteTag({ repository, tag: pick(tags), timestamp: when() });
  if (roll < 0.88) return deleteDigest({ repository, digest: random() < 0.2 ? INDEX : img.digest, timestamp: when() });
  return deleteDigest({ repository, digest: pick([...layers, img.config]), timestamp: when() });
}

/** What an operator, or another program, might do to the tables directly, several statements in one transaction. */
const edits: ((db: Db) => Promise<unknown>)[] = [
  (db) =>
    db.transaction(async (tx) => {
      const [link] = await tx.query<{ m: string; b: string }>(
        "select manifest_digest as m, blob_digest as b from regstat.manifest_blob order by 1, 2 limit 1",
      );
      if (!link) return;
      await tx.query("delete from regstat.manifest_blob where manifest_digest = $1 and blob_digest = $2", [link.m, link.b]);
      await tx.query("insert into regstat.manifest_blob values ($1, $2)", [link.m, link.b]);
    }),
  (db) => db.query("update regstat.blobs set size = size + 1 where digest = $1", [pick(layers)]),
  (db) => db.query("update regstat.manifest_children set size = size + 10"),
  (db) =>
    db.transaction(async (tx) => {
      await tx.query("update regstat.repository_blobs set deleted = now() where repository = $1 and deleted is null", [pick(repos)]);
      await tx.query("update regstat.repository_manifests set deleted = null where repository = $1", [pick(repos)]);
    }),
  (db) => db.query("delete from regstat.tags where tag = $1", [pick(tags)]),
];

let db: Db;
let post: ReturnType<typeof testApp>["post"];
beforeAll(async () => {
  db = await freshDb();
  post = testApp(db).post;
});
afterAll(() => db.close());

test(`a random walk (seed ${SEED}): after every envelope the kept figures equal their recomputation`, async () => {
  for (let step = 0; step < STEPS; step++) {
    if (random() < 0.08) await pick(edits)(db);
    else {
      const response = await post(envelope(...Array.from({ length: 1 + int(4) }, event)));
      expect(response.status).toBe(200);
    }
    try {
      await expectConsistent(db);
    } catch (error) {
      throw new Error(`step ${step} of seed ${SEED}: ${(error as Error).message}`);
    }
  }
  // the walk went through the shapes that matter
  const [seen] = await db.query<Record<string, number>>(`select
    (select count(*)::int from regstat.missing_blobs) as missing,
    (select count(*)::int from regstat.deleted_manifests) as retired,
    (select count(*)::int from regstat.manifest_children) as platforms,
    (select orphaned_blobs::int from regstat.registry_totals) as orphaned,
    (select count(*)::int from regstat.repository_storage where exclusive_bytes < bytes) as sharing`);
  console.log(`random walk seed ${SEED}:`, seen);
  expect(Object.values(seen!).filter((n) => n > 0).length).toBeGreaterThanOrEqual(3);
  // 160 recomputations of every kept figure: 8 to 12 s on a loaded machine once migrations 18 and 19 added theirs
}, 120_000);
