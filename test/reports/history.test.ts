import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { checkAggregates } from "../../src/aggregates/check.ts";
import type { Db } from "../../src/db/db.ts";
import { migrate } from "../../src/db/migrate.ts";
import { pruneExpired } from "../../src/retention/prune.ts";
import { migrations } from "../../src/sql.ts";
import { testApp } from "../support/app.ts";
import { expectConsistent } from "../support/check.ts";
import { freshDb } from "../support/db.ts";
import { deleteDigest, digestOf, HOST, image, pushBlob } from "../support/events.ts";
import { type App, daysAgo, deliver, report } from "./support.ts";

// Growth over time (migration 13): what storage-history, repository-history and largest-repositories answer.
const DAY = 86_400_000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const today = () => utcDay(Date.now());
const dayBefore = (days: number) => utcDay(Date.now() - days * DAY);
const shared = digestOf("history/shared");
const app1 = image("history-1", { repository: "hist/app", tag: "v1", layers: [shared, digestOf("history/1")] });
const lib = image("history-2", { repository: "hist/lib", tag: "v1", layers: [shared, digestOf("history/2"), digestOf("history/3")] });
const orphan = digestOf("history/orphan");
const bothImages = [
  ...app1.blobPushes,
  app1.push(),
  ...lib.blobPushes,
  lib.push(),
  pushBlob({ repository: "hist/app", digest: orphan, size: 777 }),
];

/** A repository's rows of repository-history, as [day, bytes]. */
const bytesPerDay = async (app: App, repository: string, days: number) =>
  (await report(app, "repository-history", { days, repository })).rows.map((r: any) => [r.day, r.bytes]);

describe("storage history", () => {
  let db: Db;
  let app: App;
  beforeAll(async () => {
    db = await freshDb();
    app = testApp(db);
  });
  afterAll(() => db.close());

  test("a database that never held anything has no history yet", async () => {
    expect((await report(app, "storage-history", { days: 2 })).rows).toEqual([
      {
        day: today(),
        deduplicated_bytes: null,
        orphaned_bytes: null,
        untagged_bytes: null,
        summed_bytes: null,
        images: null,
        repositories: null,
      },
      {
        day: dayBefore(1),
        deduplicated_bytes: null,
        orphaned_bytes: null,
        untagged_bytes: null,
        summed_bytes: null,
        images: null,
        repositories: null,
      },
    ]);
    expect((await report(app, "repository-history", { days: 2 })).rows).toEqual([]);
    await expectConsistent(db);
  });

  test("today's row is the storage report's figures now (orphaned at grace 0) and the images and repositories", async () => {
    await deliver(app, ...bothImages);
    const [row] = (await report(app, "storage-history", { days: 1 })).rows;
    const storage = (await report(app, "storage", { grace: "0s" })).rows[0];
    const [registry] = (await report(app, "registries")).rows;
    expect(row).toEqual({ day: today(), ...storage, images: registry.images, repositories: registry.repositories });
    expect(row).toMatchObject({ orphaned_bytes: 777, images: 2, repositories: 2 });
    await expectConsistent(db);
  });

  test("days without a change carry the day before on; days before any record are null; newest first, paged", async () => {
    // as if regstat had recorded these days then
    await db.query(
      `insert into regstat.storage_daily (day, deduplicated_bytes, orphaned_bytes, untagged_bytes, summed_bytes, images, repositories)
       values ($1, 100, 1, 2, 300, 1, 1), ($2, 150, 0, 0, 400, 1, 1)`,
      [dayBefore(5), dayBefore(3)],
    );
    const first = await report(app, "storage-history", { days: 7, limit: 4 });
    expect(first.rows.map((r: any) => [r.day, r.deduplicated_bytes])).toEqual([
      [today(), first.rows[0].deduplicated_bytes],
      [dayBefore(1), 150],
      [dayBefore(2), 150],
      [dayBefore(3), 150],
    ]);
    const second = await report(app, "storage-history", { days: 7, limit: 4, cursor: first.next_cursor });
    expect(second.rows.map((r: any) => [r.day, r.deduplicated_bytes, r.images])).toEqual([
      [dayBefore(4), 100, 1],
      [dayBefore(5), 100, 1],
      [dayBefore(6), null, null],
    ]);
    expect(second.next_cursor).toBeNull();
    expect((await report(app, "storage-history", { repository: "hist/" }, 400)).error.details).toMatchObject({ parameter: "repository" });
  });

  test("per repository: each day's bytes; a deleted repository's history ends at 0 bytes and it leaves the count", async () => {
    const before = (await report(app, "repositories")).rows;
    const history = await report(app, "repository-history", { days: 1 });
    expect(history.rows.map((r: any) => [r.repository, r.day, r.bytes, r.exclusive_bytes])).toEqual(
      before.map((r: any) => [r.repository, today(), r.bytes, r.exclusive_bytes]),
    );
    await db.query(
      "insert into regstat.repository_storage_daily (registry, repository, day, bytes, exclusive_bytes) values ($1, 'hist/app', $2, 10, 5)",
      [HOST, dayBefore(2)],
    );
    expect(await bytesPerDay(app, "hist/app", 3)).toEqual([
      [dayBefore(2), 10],
      [dayBefore(1), 10],
      [today(), before[0].bytes],
    ]);

    await deliver(app, deleteDigest({ repository: "hist/lib", digest: lib.digest }));
    const lib1day = await report(app, "repository-history", { days: 1, repository: "hist/lib" });
    expect(lib1day.rows).toEqual([{ registry: HOST, repository: "hist/lib", day: today(), bytes: 0, exclusive_bytes: 0 }]);
    expect((await report(app, "storage-history", { days: 1 })).rows[0].repositories).toBe(1);
    await expectConsistent(db);
  });

  test("regstat check sees a history that does not match the figures", async () => {
    const figures = async () => (await checkAggregates(db)).map((d) => d.figure).sort();
    await db.query("update regstat.storage_counts set images = images + 1");
    expect(await figures()).toEqual(["storage_counts", "storage_daily"]);
    await db.query("update regstat.storage_counts set images = images - 1");
    await db.query("update regstat.storage_daily set deduplicated_bytes = deduplicated_bytes + 1 where day = $1", [today()]);
    expect(await figures()).toEqual(["storage_daily"]);
    await db.query("update regstat.storage_daily set deduplicated_bytes = deduplicated_bytes - 1 where day = $1", [today()]);
    await db.query("update regstat.repository_storage_daily set bytes = bytes + 1 where day = $1 and repository = 'hist/app'", [today()]);
    expect(await figures()).toEqual(["repository_storage_daily"]);
    await db.query("update regstat.repository_storage_daily set bytes = bytes - 1 where day = $1 and repository = 'hist/app'", [today()]);
    await expectConsistent(db);
  });

  test("largest-repositories: by bytes, largest first, paged; the same bytes as the repositories report", async () => {
    await deliver(app, lib.push({ id: crypto.randomUUID() })); // pushed again after its delete
    const repositories = (await report(app, "repositories")).rows;
    const largest = await report(app, "largest-repositories", { limit: 1 });
    const biggest = [...repositories].sort((a: any, b: any) => b.bytes - a.bytes);
    expect(largest.rows).toEqual([
      {
        registry: HOST,
        repository: biggest[0].repository,
        bytes: biggest[0].bytes,
        exclusive_bytes: biggest[0].exclusive_bytes,
        shared_bytes: biggest[0].shared_bytes,
      },
    ]);
    const next = await report(app, "largest-repositories", { limit: 1, cursor: largest.next_cursor });
    expect(next.rows.map((r: any) => r.repository)).toEqual([biggest[1].repository]);
  });
});

describe("the day a change is recorded on", () => {
  let db: Db;
  let app: App;
  beforeAll(async () => {
    db = await freshDb();
    app = testApp(db);
    await deliver(app, ...bothImages);
  });
  afterAll(() => db.close());

  /** A change in one transaction whose settle reads `clock` for the time, in a session whose time zone is `zone`. */
  const growLayerAt = (clock: number, zone: string) =>
    db.transaction(async (tx) => {
      await tx.query(`set local timezone = '${zone}'`);
      await tx.query("select set_config('regstat.history_clock', $1, true)", [new Date(clock).toISOString()]);
      await tx.query("update regstat.blobs set size = size + 1 where digest = $1", [app1.layers[1]]);
    });

  test("is the UTC day: a millisecond before midnight is the day before, midnight the new day, whatever the time zone", async () => {
    const midnight = Math.floor(Date.now() / DAY) * DAY;
    const [storage] = (await report(app, "storage", { grace: "0s" })).rows;
    const [app0] = (await report(app, "repositories", { repository: "hist/app" })).rows;
    // local time 14 hours ahead of UTC: already the next day there
    await growLayerAt(midnight - 1, "Pacific/Kiritimati");
    // 12 hours behind: still the day before there
    await growLayerAt(midnight, "Etc/GMT+12");
    expect((await report(app, "storage-history", { days: 2 })).rows.map((r: any) => [r.day, r.deduplicated_bytes])).toEqual([
      [utcDay(midnight), storage.deduplicated_bytes + 2],
      [utcDay(midnight - 1), storage.deduplicated_bytes + 1],
    ]);
    expect(await bytesPerDay(app, "hist/app", 2)).toEqual([
      [utcDay(midnight - 1), app0.bytes + 1],
      [utcDay(midnight), app0.bytes + 2],
    ]);
    // hist/lib did not change: its history is one row, today's from the push, carried on to no earlier day
    expect(await bytesPerDay(app, "hist/lib", 2)).toEqual([
      [today(), (await report(app, "repositories", { repository: "hist/lib" })).rows[0].bytes],
    ]);
    await expectConsistent(db);
  });

  test("kept forever: retention prunes the events, never the history", async () => {
    const longAgo = Date.now() - 400 * DAY;
    await db.query(
      `insert into regstat.storage_daily (day, deduplicated_bytes, orphaned_bytes, untagged_bytes, summed_bytes, images, repositories)
       values ($1, 5, 0, 0, 5, 1, 1)`,
      [utcDay(longAgo)],
    );
    await db.query("insert into regstat.repository_storage_daily values ($1, 'hist/app', $2, 5, 5)", [HOST, utcDay(longAgo)]);
    const old = image("history-old", { repository: "hist/old", tag: "v1" });
    await deliver(app, ...[...old.blobPushes, old.push()].map((e) => ({ ...e, timestamp: daysAgo(400) })));
    const history = await report(app, "storage-history", { days: 401, limit: 1000 });
    const appHistory = await bytesPerDay(app, "hist/app", 401);

    const pruned = await pruneExpired(db, { retentionMs: 30 * DAY });
    expect(pruned.events).toBeGreaterThanOrEqual(old.blobPushes.length + 1);
    expect(await report(app, "storage-history", { days: 401, limit: 1000 })).toEqual(history);
    expect(history.rows.at(-1)).toMatchObject({ day: utcDay(longAgo), deduplicated_bytes: 5 });
    expect(await bytesPerDay(app, "hist/app", 401)).toEqual(appHistory);
    expect(appHistory[0]).toEqual([utcDay(longAgo), 5]);
    await expectConsistent(db);
  });
});

describe("upgrading a database that already holds a registry", () => {
  test("migration 13 starts its history on the day of the upgrade, and it checks clean", async () => {
    const db = await freshDb({ migrated: false });
    try {
      await migrate(
        db,
        migrations.filter((m) => m.version !== 13),
      );
      const app = testApp(db);
      await deliver(app, ...bothImages);
      expect(await migrate(db)).toEqual([13]);
      const [row] = (await report(app, "storage-history", { days: 2 })).rows;
      const storage = (await report(app, "storage", { grace: "0s" })).rows[0];
      expect(row).toEqual({ day: today(), ...storage, images: 2, repositories: 2 });
      expect((await report(app, "storage-history", { days: 2 })).rows[1].images).toBeNull();
      const repositories = (await report(app, "repositories")).rows;
      expect((await report(app, "repository-history", { days: 2 })).rows).toEqual(
        repositories.map((r: any) => ({
          registry: HOST,
          repository: r.repository,
          day: today(),
          bytes: r.bytes,
          exclusive_bytes: r.exclusive_bytes,
        })),
      );
      await expectConsistent(db);
    } finally {
      await db.close();
    }
  });
});
