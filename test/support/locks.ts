import type { Db } from "../../src/db/db.ts";
import { openPostgres } from "../../src/db/postgres.ts";

/** Whether some session waits for a lock on this database's events table (pg_locks shows every database's). */
export async function waitingOnEvents(db: Db): Promise<boolean> {
  const [row] = await db.query<{ waiting: number }>(
    `select count(*)::int as waiting from pg_locks
     where not granted and relation = 'regstat.events'::regclass
       and database = (select oid from pg_database where datname = current_database())`,
  );
  return row!.waiting > 0;
}

/**
 * Another session holding `lock table <table> in access exclusive mode` on the database at `url`, until
 * release(): whatever touches the table waits behind it.
 */
export async function holdTableLock(url: string, table: string): Promise<{ release(): Promise<void> }> {
  const holder = openPostgres(url, { max: 1 });
  let release = () => {};
  let locked = () => {};
  const taken = new Promise<void>((resolve) => (locked = resolve));
  const held = holder.transaction(async (tx) => {
    await tx.exec(`lock table ${table} in access exclusive mode`);
    locked();
    await new Promise<void>((resolve) => (release = resolve));
  });
  await Promise.race([taken, held]);
  return {
    async release() {
      release();
      await held;
      await holder.close();
    },
  };
}
