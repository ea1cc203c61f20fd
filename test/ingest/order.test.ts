import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Db, Queryable } from "../../src/db/db.ts";
import { registryNames } from "../../src/equiv-registries.ts";
import { pullCounting } from "../../src/ingest/counted-pulls.ts";
import { storeEvents } from "../../src/ingest/event-rules.ts";
import { normalizeEvent, type StoredEvent } from "../../src/ingest/normalize.ts";
import { freshDb } from "../support/db.ts";
import { deleteDigest, deleteTag, image, mountBlob, pullBlob, pullManifest } from "../support/events.ts";
import { prng } from "../support/prng.ts";

// What the registry holds must not depend on the order its events arrive in: every order of a small
// history around one tag and one manifest (or a seeded sample of them, where there are too many) is applied,
// one event per batch as separate deliveries arrive, and each must end where the registry's order ends.

const app = image("order-app", { repository: "team/app" });
const other = image("order-other", { repository: "team/app" });
const at = (second: number) => new Date(Date.parse("2026-05-01T00:00:00Z") + second * 1000).toISOString();

// A manifest push with its references: its blobs' own pushes would only multiply the orders.
const push = (img: typeof app, second: number, repository = "team/app") => img.push({ repository, tag: "v1", timestamp: at(second) });
const untag = (second: number) => deleteTag({ repository: "team/app", tag: "v1", timestamp: at(second) });
/** A delete by digest, then (`untagged`, a few ms later) the tag delete a registry sends for the tag that pointed at it. */
const deleteManifest = (img: typeof app, second: number, untagged: boolean) => [
  deleteDigest({ repository: "team/app", digest: img.digest, timestamp: at(second) }),
  ...(untagged ? [untag(second + 0.003)] : []),
];
const pull = (img: typeof app, second: number, o: { repository?: string; tag?: string } = {}) =>
  pullManifest({
    repository: o.repository ?? "team/app",
    digest: img.digest,
    tag: o.tag,
    references: img.references,
    timestamp: at(second),
  });

/** Histories as a registry sends them, in its order: each delete deletes what was there at its time. */
const histories: Record<string, object[]> = {
  "untagged by name, pushed again": [push(app, 1), pull(app, 2, { tag: "v1" }), untag(3), push(app, 4), pull(app, 5, { tag: "v1" })],
  "untagged by name, then its manifest pulled by digest": [push(app, 1), pull(app, 2, { tag: "v1" }), untag(3), pull(app, 4)],
  "copied elsewhere, then untagged by name": [
    push(app, 1),
    push(app, 2, "team/copy"),
    pull(app, 3, { repository: "team/copy", tag: "v1" }),
    untag(4),
  ],
  "manifest deleted by digest with its tag, pushed again": [
    push(app, 1),
    ...deleteManifest(app, 2, true),
    push(app, 3),
    pull(app, 4, { tag: "v1" }),
  ],
  "manifest deleted with its tag, still held elsewhere, its layer mounted back": [
    push(app, 1),
    push(app, 2, "team/copy"),
    ...deleteManifest(app, 3, true),
    mountBlob({ repository: "team/app", digest: app.layers[0]!, from: "team/copy", timestamp: at(4) }),
    pull(app, 5, { repository: "team/copy" }),
  ],
  "tag moved to another manifest, then the first deleted": [
    push(app, 1),
    push(other, 2),
    ...deleteManifest(app, 3, false),
    pull(other, 4, { tag: "v1" }),
  ],
  "tag moved to another manifest, then that one deleted with it": [push(app, 1), push(other, 2), ...deleteManifest(other, 3, true)],
  "tag moved to another manifest, then that one deleted, no tag delete sent": [
    push(app, 1),
    push(other, 2),
    ...deleteManifest(other, 3, false),
  ],
  "tag moved away and back, the other deleted between": [push(app, 1), push(other, 2), ...deleteManifest(other, 3, true), push(app, 4)],
  "untagged, then the manifest deleted": [
    push(app, 1),
    untag(2),
    ...deleteManifest(app, 3, false),
    pullBlob({ repository: "team/app", digest: app.layers[0]!, timestamp: at(4) }),
  ],
};

const rules = { names: registryNames(), pulls: pullCounting() };
const stored = (raw: object) => {
  const e = normalizeEvent(raw, rules);
  if ("reason" in e) throw new Error(e.reason);
  return e;
};

/** What the registry holds, as regstat knows it, in one query. */
const holdings = async (tx: Queryable) =>
  (
    await tx.query<{ held: unknown }>(`select json_build_object(
    'tags', (select json_agg(t order by t.name) from (select name, manifest_digest, pushed from regstat.tags) t),
    'manifests', (select json_agg(digest order by digest) from regstat.manifests),
    'blobs', (select json_agg(digest order by digest) from regstat.blobs),
    'repository_manifests', (select json_agg(r order by r.repository, r.digest) from (
      select repository, digest, pushed, pulled, pull_count from regstat.repository_manifests where deleted is null) r),
    'repository_blobs', (select json_agg(r order by r.repository, r.digest) from (
      select repository, digest, pushed, pulled, pull_count from regstat.repository_blobs where deleted is null) r),
    'manifest_blob', (select json_agg(manifest_digest || '>' || blob_digest order by manifest_digest, blob_digest)
      from regstat.manifest_blob),
    'manifest_children', (select json_agg(parent_digest || '>' || child_digest order by parent_digest, child_digest)
      from regstat.manifest_children)
  ) as held`)
  )[0]!.held;

class Undo extends Error {}

/** Applies the events one delivery each, in this order, and reads the holdings; then undoes it all. */
async function applyInOrder(db: Db, events: StoredEvent[]) {
  let result: unknown;
  await db
    .transaction(async (tx) => {
      for (const e of events) await storeEvents(tx, [e], [], { pipeline: db.kind === "postgres" });
      result = await holdings(tx);
      throw new Undo();
    })
    .catch((error) => {
      if (!(error instanceof Undo)) throw error;
    });
  return result!;
}

function* permutations<T>(items: T[]): Generator<T[]> {
  if (items.length <= 1) return yield items;
  for (let i = 0; i < items.length; i++) {
    for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)])) yield [items[i]!, ...rest];
  }
}

function* sample<T>(items: T[], count: number, seed: number): Generator<T[]> {
  const random = prng(seed);
  for (let n = 0; n < count; n++) {
    const order = [...items];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    yield order;
  }
}

const EVERY_ORDER_UP_TO = 5;
const SAMPLE = 200;

describe("every delivery order of a small history ends in the same holdings, tags and links", () => {
  let db: Db;
  beforeAll(async () => {
    db = await freshDb();
  });
  afterAll(() => db?.close());

  test.each(Object.keys(histories))("%s", async (name) => {
    const events = histories[name]!.map((e, i) => stored({ ...e, id: `${name}-${i}` }));
    const expected = await applyInOrder(db, events);
    const orders = events.length <= EVERY_ORDER_UP_TO ? permutations(events) : sample(events, SAMPLE, events.length);
    let tried = 0;
    for (const order of orders) {
      const got = await applyInOrder(db, order);
      tried++;
      if (!Bun.deepEquals(got, expected)) {
        expect({
          order: order.map((e) => `${e.action} ${e.kind ?? "digest"} ${e.repository}${e.tag ? `:${e.tag}` : ""} @${e.ts.slice(17, 19)}`),
          got,
        }).toEqual({ order: [], got: expected } as never);
      }
    }
    console.log(`${name}: ${events.length} events, ${tried} orders`);
  });
});
