import { describe, expect, test } from "bun:test";
import { migrate } from "../../src/db/migrate.ts";
import { openPostgres } from "../../src/db/postgres.ts";
import { migrations } from "../../src/sql.ts";
import { testApp } from "../support/app.ts";
import { expectConsistent } from "../support/check.ts";
import { freshDb, freshPostgresDatabase, testPgUrl } from "../support/db.ts";
import { allFixtures } from "../support/fixtures.ts";

describe("upgrading a database an earlier regstat filled", () => {
  test("migration 11 computes the live figures once, and they check clean", async () => {
    const db = await freshDb({ migrated: false });
    try {
      // The schema before migration 11's live figures; today's ingest fills it, so it also has what today's
      // ingest writes and those figures do not read (000015's events.clamped_from).
      const earlier = migrations.filter((m) => m.version <= 10 || m.version === 15);
      await migrate(db, earlier);
      const { post } = testApp(db);
      for (const request of await allFixtures()) {
        expect((await post(request.body, { "content-type": request.headers["content-type"]! })).status).toBe(200);
      }
      expect(await migrate(db)).toEqual(migrations.filter((m) => !earlier.includes(m)).map((m) => m.version));
      await expectConsistent(db);
      expect(await db.query("select count(*)::int as n from regstat.missing_blobs where repository = 'other/app'")).toEqual([{ n: 1 }]);
    } finally {
      await db.close();
    }
  });
});

describe("several regstat processes starting at once", () => {
  test("migrate under the advisory lock: each migration applied once", async () => {
    if (!testPgUrl) {
      // One embedded database belongs to one process: four migrations started at once on it, as four
      // starts would race on PostgreSQL, and one more after them that finds nothing to do.
      const db = await freshDb({ migrated: false });
      const results = await Promise.all(Array.from({ length: 4 }, () => migrate(db)));
      expect(results.flat().sort((a, b) => a - b)).toEqual(migrations.map((m) => m.version));
      expect(await migrate(db)).toEqual([]);
      expect(await db.query("select count(*)::int as n from regstat.schema_migrations")).toEqual([{ n: migrations.length }]);
      await db.close();
      return;
    }
    const { url, drop } = await freshPostgresDatabase(testPgUrl);
    const processes = Array.from({ length: 4 }, () => openPostgres(url, { max: 2 }));
    const results = await Promise.all(processes.map((db) => migrate(db)));
    expect(results.flat().sort((a, b) => a - b)).toEqual(migrations.map((m) => m.version));
    const [{ n }] = (await processes[0]!.query<{ n: number }>("select count(*)::int as n from regstat.schema_migrations")) as [
      { n: number },
    ];
    expect(n).toBe(migrations.length);
    await Promise.all(processes.map((db) => db.close()));
    await drop();
  });
});
