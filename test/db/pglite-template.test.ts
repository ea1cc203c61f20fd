import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Db, Row } from "../../src/db/db.ts";
import { makeTemplate } from "../../src/db/make-pglite-template.ts";
import { migrate } from "../../src/db/migrate.ts";
import { openPglite } from "../../src/db/pglite.ts";
import { migrations } from "../../src/sql.ts";

// Everything a migration makes in the schema, as text: tables, columns, constraints, indexes, functions, views.
const schemaOf = (db: Db) =>
  db.query(`
    select 'column' as what,
        table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') as def
      from information_schema.columns where table_schema = 'regstat'
    union all select 'constraint', conrelid::regclass || ' ' || pg_get_constraintdef(oid)
      from pg_constraint where connamespace = 'regstat'::regnamespace
    union all select 'index', indexdef from pg_indexes where schemaname = 'regstat'
    union all select 'function', pg_get_functiondef(p.oid)
      from pg_proc p where pronamespace = 'regstat'::regnamespace
    union all select 'view', viewname || ' ' || definition from pg_views where schemaname = 'regstat'
    order by 1, 2`);

describe("a new embedded database made from the template", () => {
  const work = mkdtempSync(join(tmpdir(), "regstat-template-"));
  let initdbSchema: Row[];
  let fullTemplate: string;
  let olderTemplate: string;

  beforeAll(async () => {
    // The old way: initdb, then every migration.
    const db = await openPglite(undefined, { template: false });
    expect(db.created).toBe("initdb");
    expect(await migrate(db)).toEqual(migrations.map((m) => m.version));
    initdbSchema = await schemaOf(db);
    expect(initdbSchema.length).toBeGreaterThan(100);
    await db.close();
    // The template of today, as `npm run build` makes it, and one built before the last migration existed.
    fullTemplate = join(work, "full.tar.gz");
    await Bun.write(fullTemplate, await makeTemplate());
    olderTemplate = join(work, "older.tar.gz");
    await Bun.write(olderTemplate, await makeTemplate(migrations.slice(0, -1)));
  }, 600_000); // three initdbs: minutes on a loaded machine
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test("on disk: starts migrated, the same schema as initdb and every migration", async () => {
    const dataDir = join(work, "from-full");
    const db = await openPglite(dataDir, { template: fullTemplate });
    expect(db.created).toBe("template");
    expect(await migrate(db)).toEqual([]);
    expect(await schemaOf(db)).toEqual(initdbSchema);
    await db.exec("insert into regstat.blobs (digest) values ('sha256:kept')");
    await db.close();

    const again = await openPglite(dataDir, { template: fullTemplate });
    expect(again.created).toBe("existing");
    expect(await again.query("select digest from regstat.blobs")).toEqual([{ digest: "sha256:kept" }]);
    await again.close();
  });

  test("a template older than the migrations: the newer ones apply on top, and it ends the same", async () => {
    const db = await openPglite(join(work, "from-older"), { template: olderTemplate });
    expect(db.created).toBe("template");
    expect(await migrate(db)).toEqual([migrations.at(-1)!.version]);
    expect(await schemaOf(db)).toEqual(initdbSchema);
    await db.close();
  });

  test("in memory, as the tests' databases are", async () => {
    const db = await openPglite(undefined, { template: olderTemplate });
    expect(db.created).toBe("template");
    expect(await migrate(db)).toEqual([migrations.at(-1)!.version]);
    expect(await schemaOf(db)).toEqual(initdbSchema);
    await db.close();
  });
});
