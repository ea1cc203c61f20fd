import type { Config } from "../config.ts";
import type { Db } from "../db/db.ts";
import type { Logger } from "../log.ts";
import type { RegistryContext } from "./context.ts";
import { defaultTuning, startFetchWorker, type WorkerTuning } from "./fetch-worker.ts";
import { runSync } from "./sync.ts";

export type Background = {
  /** Look at the fetch queue now (the ingest has just queued manifests). */
  wake(): void;
  stop(): Promise<void>;
};

/**
 * The server's registry work: the manifest fetch queue, and with --sync-interval a periodic `regstat sync`.
 * A sync still running when the next is due is not doubled; stop() waits for whatever is under way.
 */
export function startRegistryWork(
  deps: { db: Db; registry: RegistryContext; config: Pick<Config, "registryUrl" | "syncInterval">; log: Logger },
  tuning: WorkerTuning = defaultTuning,
): Background {
  const worker = startFetchWorker({ db: deps.db, registry: deps.registry, log: deps.log.child({ task: "fetch" }) }, tuning);
  const log = deps.log.child({ task: "sync" });
  let timer: Timer | undefined;
  let running: Promise<unknown> | undefined;
  const interval = deps.config.syncInterval;
  if (interval > 0 && deps.config.registryUrl.length === 0) {
    log.warn("--sync-interval is set but no --registry-url names a registry to sync with");
  } else if (interval > 0) {
    timer = setInterval(() => {
      running ??= runSync({ db: deps.db, registry: deps.registry, registryUrls: deps.config.registryUrl, log })
        .catch((error) => log.error("sync failed", { error: (error as Error).message }))
        .finally(() => (running = undefined));
    }, interval);
  }
  return {
    wake: worker.wake,
    async stop() {
      clearInterval(timer);
      await Promise.all([worker.stop(), running]);
    },
  };
}
