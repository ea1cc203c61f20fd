import { migrations } from "../sql.ts";
import type { Db } from "./db.ts";

// Any constant shared by every regstat process: they queue on it while one of them migrates.
const MIGRATION_LOCK = 0x7265_6773; // "regs"

/** Applies each pending migration in its own transaction, one process at a time. */
export async function migrate(db: Db, list = migrations): Promise<number[]> {
  // Every start asks; one query answers when there is nothing to do (migrations are never undone).
  if ((await pendingMigrations(db, list)) === 0) return [];
  const applied: number[] = [];
  for (const migration of list) {
    const ran = await db.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      await tx.query("create schema if not exists regstat");
      await tx.query(
        `create table if not exists regstat.schema_migrations (
           version integer primary key, name text not null, applied timestamptz not null default now())`,
      );
      const done = await tx.query("select 1 from regstat.schema_migrations where version = $1", [migration.version]);
      if (done.length) return false;
      await tx.exec(migration.text);
      await tx.query("insert into regstat.schema_migrations (version, name) values ($1, $2)", [migration.version, migration.name]);
      return true;
    });
    if (ran) applied.push(migration.version);
  }
  return applied;
}

/** How many migrations are not applied yet (all of them before the first); a database error is thrown. */
export async function pendingMigrations(db: Db, list = migrations): Promise<number> {
  const rows = await db.query<{ version: number }>("select version from regstat.schema_migrations").catch((error) => {
    if ((error as { code?: string }).code === "42P01") return []; // no such table: nothing applied
    throw error;
  });
  const have = new Set(rows.map((r) => r.version));
  return list.filter((m) => !have.has(m.version)).length;
}
