import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { Db, Queryable } from "../../src/db/db.ts";
import { migrate } from "../../src/db/migrate.ts";
import { silentLogger } from "../../src/log.ts";
import { createRegistryContext } from "../../src/registry/context.ts";
import { runSync } from "../../src/registry/sync.ts";
import { reports } from "../../src/reports/catalogue.ts";
import { migrations } from "../../src/sql.ts";
import { report } from "../reports/support.ts";
import { testApp } from "../support/app.ts";
import { expectConsistent } from "../support/check.ts";
import { freshDb } from "../support/db.ts";
import { envelope, pullManifest } from "../support/events.ts";
import { type FixtureFolder, fixtureFolders, folderFixtures } from "../support/fixtures.ts";
import { createOriginal, originalColumns, originalRows } from "../support/original-regstat.ts";
import { type PushedImage, pushImage, type RealRegistry, startRegistry } from "../support/registry.ts";

// A user switching over: the original's database, in each shape they may hold, then regstat started on
// it, the captured registry history replayed into it, its reports asked, and a sync against a real
// registry that holds what the original recorded.
const shapes = [
  ["created", "the original's DDL as it runs it, no rows yet"],
  ["written", "the original's DDL and rows of every table as it wrote them"],
  ["restored", "the same rows dumped by PostgreSQL 10's pg_dump and restored on a current server"],
] as const;

let registry: RealRegistry;
let held: PushedImage;
beforeAll(async () => {
  registry = await startRegistry();
  held = await pushImage(registry, "legacy/app:v1");
});
afterAll(() => registry?.stop());

/** The original's columns of its tables, times as its zone-less UTC text whatever their type now. */
async function originalContent(db: Queryable) {
  const types = new Map(
    (
      await db.query<{ table_name: string; column_name: string; data_type: string }>(
        "select table_name, column_name, data_type from information_schema.columns where table_schema = 'regstat'",
      )
    ).map((c) => [`${c.table_name}.${c.column_name}`, c.data_type]),
  );
  const content: Record<string, unknown[]> = {};
  for (const [table, columns] of Object.entries(originalColumns)) {
    const fields = columns.map((column) => {
      const type = types.get(`${table}.${column}`)!;
      const utc = type === "timestamp with time zone" ? `${column} at time zone 'UTC'` : column;
      return `'${column}', ${type.startsWith("timestamp") ? `to_char(${utc}, 'YYYY-MM-DD HH24:MI:SS.US')` : column}`;
    });
    const rows = await db.query<{ row: unknown }>(
      `select jsonb_build_object(${fields.join(", ")}) as row from regstat.${table} order by 1`,
    );
    content[table] = rows.map((r) => r.row);
  }
  return content;
}

async function replay(db: Db, folder: FixtureFolder) {
  const { post } = testApp(db);
  const answers = [];
  for (const request of await folderFixtures(folder)) {
    const response = await post(request.body, { "content-type": request.headers["content-type"]! });
    answers.push({ status: response.status, ...((await response.json()) as object) });
  }
  return answers;
}

const askWith: Record<string, string> = {
  days: "30",
  grace: "0s",
  fresh: "true",
  since: "2000-01-01",
  // a cleanup rule that judges every tag and keeps none by age or name
  tag: ".",
  keep_last: "1",
  keep_pushed_within: "0s",
  keep_pulled_within: "0s",
  keep_tag: "^$",
  untagged: "true",
  totals: "true",
  registry_version: "2",
};

describe.each(shapes)("adopting the original's database: %s (%s)", (shape, _what) => {
  describe.each([...fixtureFolders])("then the %s history", (folder) => {
    let db: Db;
    let before: Record<string, unknown[]>;
    beforeAll(async () => {
      db = await freshDb({ migrated: false });
      await createOriginal(db, shape, originalRows(registry.host, held));
      before = await originalContent(db);
    });
    afterAll(() => db?.close());
    // after the migration computed the figures of the original's rows, and after every step on them
    afterEach(() => expectConsistent(db));

    test("regstat migrates it and every row survives, its times read as UTC", async () => {
      expect(await migrate(db)).toEqual(migrations.map((m) => m.version));
      expect(await originalContent(db)).toEqual(before);
      const rows = Object.values(before).flat().length;
      expect(rows).toBe(shape === "created" ? 0 : 15);
      expect(await migrate(db)).toEqual([]);
    });

    test("the new tables know what the old ones did: a tag's repository holds its manifest and that manifest's blobs", async () => {
      const holdings = shape === "created" ? [] : [`legacy/app@${held.digest}`];
      const blobs = shape === "created" ? [] : [held.config, held.layers[0]!].sort().map((d) => `legacy/app@${d}`);
      const held_ = (table: string) =>
        db.query<{ h: string }>(`select repository || '@' || digest as h from regstat.${table} where deleted is null order by 1`);
      expect((await held_("repository_manifests")).map((r) => r.h)).toEqual(holdings);
      expect((await held_("repository_blobs")).map((r) => r.h)).toEqual(blobs);
    });

    test("every captured event applies: none dead-lettered", async () => {
      const answers = await replay(db, folder);
      expect(answers.length).toBeGreaterThan(20);
      expect(answers.filter((a) => a.status !== 200 || (a as { stored?: number }).stored !== 1).length).toBe(0);
      expect(await db.query("select reason from regstat.dead_letters")).toEqual([]);
      expect(
        await db.query("select digest from regstat.repository_manifests where repository = 'demo/app' and deleted is null"),
      ).toHaveLength(1);
    });

    test("the original's tags carry on: a pull by tag counts on them", async () => {
      const { post } = testApp(db);
      const pull = pullManifest({
        repository: "legacy/app",
        digest: held.digest,
        tag: "v1",
        host: registry.host,
        timestamp: "2026-01-01T00:00:00Z",
      });
      expect(await (await post(envelope(pull))).json()).toEqual({ stored: 1, duplicates: 0, dead_lettered: 0 });
      expect(
        await db.query("select pushed, pulled, pull_count from regstat.tags where name = $1", [`${registry.host}/legacy/app:v1`]),
      ).toEqual([
        {
          pushed: shape === "created" ? null : new Date("2019-03-01T10:00:02.000431Z"),
          pulled: new Date("2026-01-01T00:00:00Z"),
          pull_count: 1,
        },
      ]);
    });

    test("every report answers", async () => {
      const app = testApp(db);
      for (const r of reports) {
        const answer = await report(app, r.name, Object.fromEntries(r.params.filter((p) => p !== "months").map((p) => [p, askWith[p]!])));
        expect({ report: r.name, answered: r.list ? Array.isArray(answer.rows) : typeof answer === "object" }).toEqual({
          report: r.name,
          answered: true,
        });
      }
    });

    test("sync makes the tags of the registry the original recorded what the registry holds", async () => {
      const context = await createRegistryContext(
        { registryUrl: [registry.url], dockerConfig: undefined, equivRegistries: undefined },
        silentLogger,
      );
      const summary = await runSync({ db, registry: context, registryUrls: [registry.url], log: silentLogger });
      expect(summary.registries.flatMap((r) => r.errors)).toEqual([]);
      expect(await db.query("select name, manifest_digest from regstat.tags where registry = $1 order by name", [registry.host])).toEqual([
        { name: `${registry.host}/legacy/app:v1`, manifest_digest: held.digest },
      ]);
      const linked = await db.query<{ blob_digest: string }>(
        "select blob_digest from regstat.manifest_blob where manifest_digest = $1 order by 1",
        [held.digest],
      );
      expect(linked.map((l) => l.blob_digest)).toEqual([...held.blobs].sort());
    });
  });
});
