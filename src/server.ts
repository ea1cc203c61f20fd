import { createApp } from "./app.ts";
import type { Config } from "./config.ts";
import { migrate } from "./db/migrate.ts";
import { openDb } from "./db/open.ts";
import { Ingestor } from "./ingest/ingestor.ts";
import type { Logger } from "./log.ts";
import { watchDatabase } from "./metrics/database.ts";
import { createMetrics } from "./metrics/metrics.ts";
import { startRegistryWork } from "./registry/background.ts";
import { createRegistryContext } from "./registry/context.ts";
import { startRetention } from "./retention/background.ts";

export type Running = {
  url: URL;
  /**
   * Refuses new connections and waits for the work in flight, up to `ms` if given; past it, cuts the
   * connections still open. False if it had to cut.
   */
  drain(ms?: number): Promise<boolean>;
  /** Closes the database: the embedded one's data directory is shut down cleanly and its lock released. */
  close(): Promise<void>;
  /** drain() without a bound, then close() */
  stop(): Promise<void>;
};

/** Opens the database, migrates it, and serves; `stop` drains in-flight work and closes everything. */
export async function startServer(config: Config, log: Logger): Promise<Running> {
  // First: it reads the settings' files (equiv-registries, Docker config), so a bad one stops the start here.
  const registry = await createRegistryContext(config, log);
  const metrics = createMetrics({ namedRegistries: registry.policy.registries });
  const db = watchDatabase(await openDb(config), metrics, log);
  log.info("database", { kind: db.kind, ...(db.kind === "pglite" ? { dataDir: config.dataDir, created: db.created } : {}) });
  const applied = await migrate(db);
  if (applied.length) log.info("migrated", { applied });

  const ingestor = new Ingestor(db, log);
  const background = startRegistryWork({ db, registry, config, log });
  const app = createApp({
    db,
    ingestor,
    names: registry.names,
    config,
    log,
    metrics,
    onFetchQueued: background.wake,
    onRegistryRestart: background.syncAfterRestart,
  });
  const retention = startRetention({ db, retentionMs: config.eventRetention, log, metrics });
  const server = Bun.serve({
    port: config.port,
    hostname: config.host,
    fetch: app.fetch,
    maxRequestBodySize: config.bodyLimit + 64 * 1024,
    // Seconds a connection may send nothing (stalled headers included): enough for a report to wait its turn
    // and run (each up to --report-timeout), at least Bun's default 10 s, at most Bun's limit.
    idleTimeout: Math.min(255, Math.max(10, Math.ceil((2 * config.reportTimeout) / 1000) + 5)),
    ...(config.tlsCert && config.tlsKey ? { tls: { cert: Bun.file(config.tlsCert), key: Bun.file(config.tlsKey) } } : {}),
  });
  const url = new URL(`${config.tlsCert ? "https" : "http"}://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${server.port}`);
  log.info("listening", { port: server.port, host: config.host });

  const running: Running = {
    url,
    async drain(ms) {
      // A moment for connections the kernel has queued while a commit held the event loop (the embedded
      // database is synchronous) to be read; then refuse new ones and wait for the requests in flight.
      await Bun.sleep(100);
      const drained = (async () => {
        await server.stop();
        await Promise.all([ingestor.idle(), retention.stop()]);
        await background.stop();
        return true;
      })();
      if (ms === undefined) return drained;
      let timer: Timer | undefined;
      const overrun = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
      const finished = await Promise.race([drained, overrun]).finally(() => clearTimeout(timer));
      // Whatever still runs is cut: its sender was not answered 200 and sends it again.
      if (!finished) void server.stop(true);
      return finished;
    },
    close: () => db.close(),
    async stop() {
      await running.drain();
      await running.close();
    },
  };
  return running;
}
