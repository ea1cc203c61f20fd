import type { Config } from "../config.ts";
import type { Db } from "../db/db.ts";
import type { Logger } from "../log.ts";
import type { RegistryContext } from "./context.ts";
import { defaultTuning, startFetchWorker, type WorkerTuning } from "./fetch-worker.ts";
import { runSync } from "./sync.ts";
import { syncScheduler } from "./sync-scheduler.ts";

export type Background = {
  /** Look at the fetch queue now (the ingest has just queued manifests). */
  wake(): void;
  /** A registry process restarted and lost the events it had not delivered: sync that registry soon. */
  syncAfterRestart(registry: string): void;
  stop(): Promise<void>;
};

/** Without --sync-interval, syncs after restarts are still never closer than this. */
const RESTART_SYNC_GAP_MS = 5 * 60_000;

/**
 * The server's registry work: the manifest fetch queue, and syncs of the registries named by --registry-url,
 * every --sync-interval and after a registry restart. One sync per registry at a time, never two closer than
 * --sync-interval (5 minutes without it); stop() waits for whatever is under way.
 */
export function startRegistryWork(
  deps: { db: Db; registry: RegistryContext; config: Pick<Config, "registryUrl" | "syncInterval">; log: Logger },
  tuning: WorkerTuning = defaultTuning,
): Background {
  const worker = startFetchWorker({ db: deps.db, registry: deps.registry, log: deps.log.child({ task: "fetch" }) }, tuning);
  const log = deps.log.child({ task: "sync" });
  const { registryUrl: urls, syncInterval: interval } = deps.config;
  const syncs = syncScheduler({
    gapMs: interval > 0 ? interval : RESTART_SYNC_GAP_MS,
    run: (url) => runSync({ db: deps.db, registry: deps.registry, registryUrls: [url], log }),
    log,
  });
  let timer: Timer | undefined;
  if (interval > 0 && urls.length === 0) {
    log.warn("--sync-interval is set but no --registry-url names a registry to sync with");
  } else if (interval > 0) {
    timer = setInterval(() => urls.forEach(syncs.request), interval);
  }
  return {
    wake: worker.wake,
    syncAfterRestart(registry) {
      const url = urls.find((u) => deps.registry.names(new URL(u).host) === registry);
      if (!url) {
        log.warn("a registry regstat may not call restarted: run regstat sync against it to recover what was lost", { registry });
        return;
      }
      log.info("syncing after a registry restart", { registry });
      syncs.request(url);
    },
    async stop() {
      clearInterval(timer);
      await Promise.all([worker.stop(), syncs.stop()]);
    },
  };
}
