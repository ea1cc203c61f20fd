import type { Config } from "../config.ts";
import type { Db } from "./db.ts";
import { openPglite } from "./pglite.ts";
import { openPostgres } from "./postgres.ts";

/** PostgreSQL when one is named, else the embedded database in the data directory. */
export function openDb(config: Pick<Config, "pgConnStr" | "dataDir">): Promise<Db> {
  return config.pgConnStr ? Promise.resolve(openPostgres(config.pgConnStr)) : openPglite(config.dataDir);
}
