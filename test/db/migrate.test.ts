import { afterAll, describe, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { migrate } from "../../src/db/migrate.ts";
import { openPostgres } from "../../src/db/postgres.ts";
import { migrations } from "../../src/sql.ts";
import { testApp } from "../support/app.ts";
import { freshDb, freshPostgresDatabase, testPgUrl } from "../support/db.ts";
import { envelope, pullManifest } from "../support/events.ts";

// A database as the original Go regstat left it: its own DDL (varchar columns, its constraint names,
// timestamps without time zone) and some history.
const originalSchema = `
create schema regstat;
create table regstat.blobs (digest varchar(100) primary key, pushed timestamp, pulled timestamp);
create table regstat.manifests (digest varchar(100) primary key, pushed timestamp, pulled timestamp);
create table regstat.manifest_blob (
  manifest_digest varchar(100) references regstat.manifests (digest),
  blob_digest varchar(100) constraint mb_blob_fk references regstat.blobs (digest),
  primary key (manifest_digest, blob_digest));
create index mb_blob_idx on regstat.manifest_blob (blob_digest);
create table regstat.tags (name varchar(512) primary key, registry varchar(256), repository varchar(256), tag varchar(128),
  manifest_digest varchar(100) references regstat.manifests (digest), pushed timestamp, pulled timestamp);
create table regstat.deleted_blobs (digest varchar(100) primary key, pushed timestamp, pulled timestamp, deleted timestamp);
create table regstat.deleted_manifests (digest varchar(100) primary key, pushed timestamp, pulled timestamp, deleted timestamp);
create table regstat.deleted_manifest_blob (manifest_digest varchar(100), blob_digest varchar(100), primary key (manifest_digest, blob_digest));
create index dmb_blob_idx on regstat.deleted_manifest_blob (blob_digest);
create table regstat.deleted_tags (name varchar(512) primary key, registry varchar(256), repository varchar(256), tag varchar(128),
  manifest_digest varchar(100), pushed timestamp, pulled timestamp, deleted timestamp);

insert into regstat.blobs values ('sha256:b1', '2018-11-04 21:26:49', '2018-12-01 10:00:00'), ('sha256:b2', '2018-11-04 21:26:50', null);
insert into regstat.manifests values ('sha256:m1', '2018-11-04 21:27:00', '2018-12-01 10:00:00');
insert into regstat.manifest_blob values ('sha256:m1', 'sha256:b1'), ('sha256:m1', 'sha256:b2');
insert into regstat.tags values ('reg:5000/team/app:v1', 'reg:5000', 'team/app', 'v1', 'sha256:m1', '2018-11-04 21:27:00', '2018-12-01 10:00:00');
insert into regstat.tags values ('reg:5000/team/app', 'reg:5000', 'team/app', null, 'sha256:m1', '2018-11-04 21:27:00', null);
insert into regstat.deleted_blobs values ('sha256:b0', '2018-10-01 00:00:00', null, '2018-10-02 00:00:00');
insert into regstat.deleted_manifests values ('sha256:m0', '2018-10-01 00:00:00', null, '2018-10-02 00:00:00');
insert into regstat.deleted_manifest_blob values ('sha256:m0', 'sha256:b0');
insert into regstat.deleted_tags values ('reg:5000/team/app:v0', 'reg:5000', 'team/app', 'v0', 'sha256:m0', '2018-10-01 00:00:00', null, '2018-10-02 00:00:00');
`;

const originalTables = ["blobs", "manifests", "manifest_blob", "tags", "deleted_blobs", "deleted_manifests", "deleted_manifest_blob", "deleted_tags"];

describe("adopting a database made by the original Go regstat", () => {
  let db: Db;
  afterAll(() => db.close());

  test("every row survives, its times read as UTC, and regstat carries on from there", async () => {
    db = await freshDb({ migrated: false });
    await db.exec(originalSchema);
    const before: Record<string, unknown[]> = {};
    for (const table of originalTables) {
      // The original's times were UTC without a zone: compare them as UTC text.
      before[table] = await db.query(`select to_jsonb(t) as row from regstat.${table} t order by 1`);
    }

    expect(await migrate(db)).toEqual(migrations.map((m) => m.version));

    for (const table of originalTables) {
      const after = await db.query<{ row: Record<string, unknown> }>(
        `select to_jsonb(t) as row from regstat.${table} t order by 1`,
      );
      const kept = after.map(({ row }) => {
        const original = (before[table]![0] as { row: Record<string, unknown> }).row;
        return Object.fromEntries(Object.keys(original).map((k) => [k, typeof row[k] === "string" && /^\d{4}-\d\d-\d\dT/.test(row[k] as string) ? (row[k] as string).replace(/\+00:00$/, "") : row[k]]));
      });
      expect({ table, rows: kept }).toEqual({ table, rows: before[table]!.map((r) => (r as { row: unknown }).row) } as never);
    }

    const [tag] = await db.query<{ pushed: Date }>("select pushed from regstat.tags where name = 'reg:5000/team/app:v1'");
    expect(tag!.pushed.toISOString()).toBe("2018-11-04T21:27:00.000Z");

    // The new tables know what the old ones did.
    expect(await db.query("select registry, repository, digest from regstat.repository_manifests")).toEqual([
      { registry: "reg:5000", repository: "team/app", digest: "sha256:m1" },
    ]);
    expect(await db.query("select digest from regstat.repository_blobs order by 1")).toEqual([{ digest: "sha256:b1" }, { digest: "sha256:b2" }]);

    // And events keep arriving onto the adopted data.
    const { post } = testApp(db);
    const response = await post(envelope(pullManifest({ repository: "team/app", digest: "sha256:m1", tag: "v1", host: "reg:5000", timestamp: "2026-01-01T00:00:00Z" })));
    expect(await response.json()).toEqual({ stored: 1, duplicates: 0, dead_lettered: 0 });
    expect(await db.query("select pull_count, pulled from regstat.tags where name = 'reg:5000/team/app:v1'")).toEqual([
      { pull_count: 1, pulled: new Date("2026-01-01T00:00:00Z") },
    ]);
  });

  test("migrating again changes nothing", async () => {
    expect(await migrate(db)).toEqual([]);
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
    const [{ n }] = (await processes[0]!.query<{ n: number }>("select count(*)::int as n from regstat.schema_migrations")) as [{ n: number }];
    expect(n).toBe(migrations.length);
    await Promise.all(processes.map((db) => db.close()));
    await drop();
  });
});
