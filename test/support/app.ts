import { type AppDeps, createApp } from "../../src/app.ts";
import { type Config, parseConfig } from "../../src/config.ts";
import type { Db } from "../../src/db/db.ts";
import { registryNames } from "../../src/equiv-registries.ts";
import { Ingestor } from "../../src/ingest/ingestor.ts";
import { type Logger, silentLogger } from "../../src/log.ts";
import { EVENTS_V1 } from "./fixtures.ts";

/**
 * The real app on a test database, driven in process with `app.request`. The wait for the database is
 * 30 s unless a test sets it: on a loaded machine the default 450 ms answers 503 where a test means to
 * check what was stored (the 503 itself is tested with a database that does not answer).
 */
export function testApp(
  db: Db,
  options: {
    args?: string[];
    equiv?: Record<string, string[]>;
    log?: Logger;
    deps?: Partial<Pick<AppDeps, "metrics" | "onRegistryRestart">>;
  } = {},
) {
  const args = options.args ?? [];
  const { config } = parseConfig(args.includes("--db-timeout") ? args : ["--db-timeout", "30s", ...args], {});
  const log = options.log ?? silentLogger;
  const ingestor = new Ingestor(db, log);
  const app = createApp({ db, ingestor, names: registryNames(options.equiv), config, log, ...options.deps });
  const post = async (body: unknown, headers: Record<string, string> = {}) =>
    app.request("/events", {
      method: "POST",
      headers: { "content-type": EVENTS_V1, ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  return { app, config: config as Config, ingestor, post };
}

/** Rows of a regstat table, ordered, for comparing whole states. */
export async function rows(db: Db, table: string, orderBy: string) {
  return db.query(`select * from regstat.${table} order by ${orderBy}`);
}
