import type { Db } from "../../src/db/db.ts";

/** Whether some session waits for a lock on this database's events table (pg_locks shows every database's). */
export async function waitingOnEvents(db: Db): Promise<boolean> {
  const [row] = await db.query<{ waiting: number }>(
    `select count(*)::int as waiting from pg_locks
     where not granted and relation = 'regstat.events'::regclass
       and database = (select oid from pg_database where datname = current_database())`,
  );
  return row!.waiting > 0;
}
