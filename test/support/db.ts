import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Db } from "../../src/db/db.ts";
import { migrate } from "../../src/db/migrate.ts";
import { openPglite } from "../../src/db/pglite.ts";
import { openPostgres } from "../../src/db/postgres.ts";
import { postgresServer, startCluster } from "./postgres-cluster.ts";

/**
 * The database a test runs on: a real PostgreSQL when REGSTAT_TEST_PG names one (a postgres:// URL of a
 * user that may create databases), else an in-memory embedded PostgreSQL. Each call gets a fresh,
 * empty database of its own; `close()` drops it.
 */
export const testPgUrl = process.env.REGSTAT_TEST_PG || undefined;
export const dbKind = testPgUrl ? "postgres" : "pglite";

export async function freshDb(options: { migrated?: boolean } = {}): Promise<Db> {
  let db: Db;
  if (testPgUrl) {
    const { url, drop } = await freshPostgresDatabase(testPgUrl);
    const pg = openPostgres(url);
    db = {
      ...pg,
      close: async () => {
        await pg.close();
        await drop();
      },
    };
  } else {
    // Migrated: a copy of the built template, when there is a current one; not migrated: made by initdb.
    db = await openPglite(undefined, options.migrated === false ? { template: false } : {});
  }
  if (options.migrated !== false) await migrate(db);
  return db;
}

/** A new, empty PostgreSQL database: its URL (for a regstat process to use) and how to drop it. */
export async function freshPostgresDatabase(adminUrl: string) {
  const name = `regstat_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = openPostgres(adminUrl, { max: 1 });
  await admin.exec(`create database ${name}`);
  await admin.close();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const admin = openPostgres(adminUrl, { max: 1 });
      await admin.exec(`drop database if exists ${name} with (force)`).catch(() => {});
      await admin.close();
    },
  };
}

/**
 * A migrated database of its own for regstat run as a command (a child process): PostgreSQL when the tests
 * have one, else an embedded database in a temporary directory. `args` are the flags that name it.
 */
export async function commandDatabase(label: string) {
  let drop = async () => {};
  let args: string[];
  if (testPgUrl) {
    const fresh = await freshPostgresDatabase(testPgUrl);
    drop = fresh.drop;
    args = ["--pg-conn-str", fresh.url];
  } else {
    args = ["--data-dir", join(tmpdir(), `regstat-${label}-${process.pid}`)];
  }
  const main = join(import.meta.dir, "../../src/main.ts");
  if (Bun.spawnSync(["bun", main, "migrate", ...args]).exitCode !== 0) throw new Error("regstat migrate failed");
  return {
    args,
    /** the same database, opened in this process */
    open: (): Promise<Db> => (testPgUrl ? Promise.resolve(openPostgres(args[1]!, { max: 2 })) : openPglite(args[1]!)),
    async drop() {
      await drop();
      if (!testPgUrl) rmSync(args[1]!, { recursive: true, force: true });
    },
  };
}

/**
 * A migrated database on a real PostgreSQL in every run, for what PGlite cannot do (a second session, a
 * statement timeout): on the tests' PostgreSQL when there is one, else on a throwaway cluster. `close()`
 * drops it and stops that cluster.
 */
export async function migratedPostgres(options: { max?: number } = {}) {
  const server = await postgresServer();
  const database = await freshPostgresDatabase(server.url);
  const db = openPostgres(database.url, options);
  await migrate(db);
  return {
    url: database.url,
    db,
    async close() {
      await db.close();
      await database.drop();
      await server.stop();
    },
  };
}

/**
 * A migrated database on a throwaway cluster of its own, which a test may stop (`halt()`) and start again:
 * the real driver against a database that went away, never a stand-in that rejects. `close()` removes it.
 */
export async function stoppablePostgres() {
  const cluster = await startCluster({ settings: { fsync: "off" } });
  const db = openPostgres(cluster.url, { max: 2 });
  await migrate(db);
  return {
    db,
    halt: cluster.halt,
    start: cluster.start,
    async close() {
      await db.close();
      await cluster.destroy();
    },
  };
}
