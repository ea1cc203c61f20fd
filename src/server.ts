import { createApp } from "./app.ts";
import type { Config } from "./config.ts";
import { openDb } from "./db/open.ts";
import { migrate } from "./db/migrate.ts";
import { loadEquivRegistries, registryNames } from "./equiv-registries.ts";
import { Ingestor } from "./ingest/group-commit.ts";
import type { Logger } from "./log.ts";

export type Running = { url: URL; stop(): Promise<void> };

/** Opens the database, migrates it, and serves; `stop` drains in-flight work and closes everything. */
export async function startServer(config: Config, log: Logger): Promise<Running> {
  const names = registryNames(await loadEquivRegistries(config.equivRegistries));
  const db = await openDb(config);
  log.info("database", { kind: db.kind, ...(db.kind === "pglite" ? { dataDir: config.dataDir } : {}) });
  const applied = await migrate(db);
  if (applied.length) log.info("migrated", { applied });

  const ingestor = new Ingestor(db, log);
  const app = createApp({ db, ingestor, names, config, log });
  const server = Bun.serve({
    port: config.port,
    hostname: config.host,
    fetch: app.fetch,
    maxRequestBodySize: config.bodyLimit + 64 * 1024,
  });
  const url = new URL(`http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${server.port}`);
  log.info("listening", { port: server.port, host: config.host });

  return {
    url,
    async stop() {
      await server.stop();
      await ingestor.idle();
      await db.close();
    },
  };
}
