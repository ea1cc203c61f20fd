import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { registryNames } from "../../src/equiv-registries.ts";
import { pullCounting } from "../../src/ingest/counted-pulls.ts";
import { storeEvents } from "../../src/ingest/event-rules.ts";
import { normalizeEvents, type StoredEvent } from "../../src/ingest/normalize.ts";
import { expectConsistent } from "../support/check.ts";
import { freshDb } from "../support/db.ts";
import { deleteDigest, deleteTag, digestOf, image, mountBlob, pullBlob, pullManifest, pushBlob, pushManifest } from "../support/events.ts";
import { allFixtures } from "../support/fixtures.ts";

// Group commit writes many envelopes in one transaction, with the statements that have nothing to do
// left out and (on PostgreSQL) the rest sent together. Whatever the grouping, the state must be the
// one that storing each event alone gives.

const LATE_BLOB = digestOf("late blob");
const LATE_MANIFEST = digestOf("late manifest");

async function history(): Promise<StoredEvent[]> {
  const captured = (await allFixtures()).flatMap((request) => request.body.events);
  const a = image("batch-a", { repository: "batch/app", tag: "v1" });
  const b = image("batch-b", { repository: "batch/app", tag: "v2", layers: a.layers });
  const made = [
    ...a.blobPushes,
    a.push(),
    pullManifest({ repository: "batch/app", digest: a.digest, tag: "v1" }),
    pullManifest({ repository: "batch/app", digest: a.digest }),
    pullBlob({ repository: "batch/app", digest: a.layers[0]!, method: "HEAD" }),
    mountBlob({ repository: "batch/other", digest: a.layers[0]!, from: "batch/app" }),
    // a run of deletes by tag alone, between writes
    deleteTag({ repository: "batch/app", tag: "v1" }),
    ...b.blobPushes,
    b.push(),
    deleteDigest({ repository: "batch/app", digest: a.digest }),
    deleteDigest({ repository: "batch/other", digest: a.layers[0]! }),
    deleteDigest({ repository: "batch/app", digest: digestOf("never seen") }),
    pushBlob({ repository: "batch/solo", digest: digestOf("solo") }),
    deleteDigest({ repository: "batch/solo", digest: digestOf("solo") }),
    pullManifest({ repository: "batch/app", digest: b.digest, tag: "v2" }),
    // without references: its links are fetched, or restored from before its deletion
    pushManifest({ repository: "batch/norefs", digest: digestOf("norefs"), tag: "v1" }),
    // deletes that arrive before the older pushes they undo
    deleteDigest({ repository: "batch/late", digest: LATE_BLOB, timestamp: "2026-03-01T00:00:00.000Z" }),
    deleteDigest({ repository: "batch/late", digest: LATE_MANIFEST, timestamp: "2026-03-01T00:00:00.000Z" }),
    pushBlob({ repository: "batch/late", digest: LATE_BLOB, timestamp: "2026-02-01T00:00:00.000Z" }),
    pushManifest({ repository: "batch/late", digest: LATE_MANIFEST, timestamp: "2026-02-01T00:00:00.000Z" }),
    {
      ...a.push(),
      id: crypto.randomUUID(),
      timestamp: new Date(Date.parse("2026-06-01T00:00:00Z")).toISOString(),
      target: { ...a.push().target, references: undefined },
    },
  ];
  const { events, dead } = normalizeEvents([...captured, ...made], { names: registryNames(undefined), pulls: pullCounting() });
  expect(dead).toEqual([]);
  return events;
}

/** Everything ingest writes, without the columns that say when a row was written. */
async function state(db: Db) {
  const read = (sql: string) => db.query(sql);
  return {
    // every column but `received`, the time the row was written
    events: await read(
      `select id, ts, action, kind, registry, repository, digest, tag, media_type, size, method, from_repository,
              refs, url, actor, user_agent, source_addr, source_instance, request_id
       from regstat.events order by id`,
    ),
    activity_daily: await read("select * from regstat.activity_daily order by day, registry, repository, action"),
    activity_daily_registry: await read("select * from regstat.activity_daily_registry order by day, registry, action"),
    manifests: await read("select * from regstat.manifests order by digest"),
    blobs: await read("select * from regstat.blobs order by digest"),
    tags: await read("select * from regstat.tags order by name"),
    tag_history: await read("select * from regstat.tag_history order by name, pushed, manifest_digest"),
    manifest_blob: await read("select * from regstat.manifest_blob order by 1, 2"),
    manifest_children: await read("select * from regstat.manifest_children order by 1, 2"),
    repository_manifests: await read("select * from regstat.repository_manifests order by 1, 2, 3"),
    repository_blobs: await read("select * from regstat.repository_blobs order by 1, 2, 3"),
    deleted_manifests: await read("select * from regstat.deleted_manifests order by digest"),
    deleted_blobs: await read("select * from regstat.deleted_blobs order by digest"),
    deleted_tags: await read("select * from regstat.deleted_tags order by name"),
    deleted_manifest_blob: await read("select * from regstat.deleted_manifest_blob order by 1, 2"),
    deleted_manifest_children: await read("select * from regstat.deleted_manifest_children order by 1, 2"),
    deletions: await read("select * from regstat.deletions order by event_id"),
    fetch_jobs: await read("select digest, registry, repository, url, state from regstat.fetch_jobs order by digest"),
  };
}

/** As the Ingestor does: pipelined on PostgreSQL; PGlite runs one statement at a time whatever it is given. */
const options = (db: Db) => ({ pipeline: db.kind === "postgres", probeIndexes: db.kind === "postgres" });

async function storeInGroups(db: Db, events: StoredEvent[], size: number) {
  for (let i = 0; i < events.length; i += size) {
    await db.transaction((tx) => storeEvents(tx, events.slice(i, i + size), [], options(db)));
  }
}

describe("one transaction for many events", () => {
  let events: StoredEvent[];
  let alone: Db;
  let expected: Awaited<ReturnType<typeof state>>;
  beforeAll(async () => {
    events = await history();
    alone = await freshDb();
    await storeInGroups(alone, events, 1);
    expected = await state(alone);
    await expectConsistent(alone);
  });
  afterAll(() => alone.close());

  test("the history touches every table ingest writes", () => {
    for (const [table, rows] of Object.entries(expected)) {
      // Only an index's deletion fills deleted_manifest_children; the captured history deletes none.
      if (table !== "deleted_manifest_children") expect({ table, rows: rows.length }).not.toEqual({ table, rows: 0 });
    }
  });

  test("a push older than the deletion that arrived before it leaves the digest deleted", async () => {
    const where = (table: string, digest: string) => alone.query(`select digest from regstat.${table} where digest = $1`, [digest]);
    expect(await where("blobs", LATE_BLOB)).toEqual([]);
    expect(await where("deleted_blobs", LATE_BLOB)).toEqual([{ digest: LATE_BLOB }]);
    expect(await where("manifests", LATE_MANIFEST)).toEqual([]);
    expect(await where("deleted_manifests", LATE_MANIFEST)).toEqual([{ digest: LATE_MANIFEST }]);
  });

  // 7 cuts the history across runs of deletes; 1000 stores it all in one transaction.
  for (const size of [7, 1000]) {
    test(`in groups of ${size}: the same state`, async () => {
      const db = await freshDb();
      try {
        await storeInGroups(db, events, size);
        expect(await state(db)).toEqual(expected);
        await expectConsistent(db);
      } finally {
        await db.close();
      }
    });
  }

  test("a group stored again changes nothing and reports nothing new", async () => {
    const db = await freshDb();
    try {
      await storeInGroups(db, events, 1000);
      const again = await db.transaction((tx) => storeEvents(tx, events, [], options(db)));
      expect(again.size).toBe(0);
      expect(await state(db)).toEqual(expected);
      await expectConsistent(db);
    } finally {
      await db.close();
    }
  });
});
