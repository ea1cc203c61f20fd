import { accessSync, constants, mkdirSync } from "node:fs";
import { type Config, ConfigError } from "../config.ts";
import type { Db } from "./db.ts";
import { openPglite } from "./pglite.ts";
import { openPostgres } from "./postgres.ts";

/** PostgreSQL when one is named, else the embedded database in the data directory. */
export async function openDb(config: Pick<Config, "pgConnStr" | "dataDir">): Promise<Db> {
  if (config.pgConnStr) return openPostgres(config.pgConnStr);
  writableDirectory(config.dataDir);
  return openPglite(config.dataDir);
}

/**
 * The embedded database fails on a directory it cannot write with an error naming neither the directory nor
 * the cause (a volume or host directory not owned by the container's user, typically), so it is checked first.
 */
function writableDirectory(dir: string) {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError([
      `--data-dir ${dir}: not a directory uid ${process.getuid?.()} can write (${code}); give it to that user or name another`,
    ]);
  }
}
