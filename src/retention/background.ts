import type { Db } from "../db/db.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { pruneExpired } from "./prune.ts";

/**
 * Prunes at start and then every `everyMs` (an hour by default: an expired day goes at most an hour late).
 * A pass that fails (the database is away) is simply tried again at the next tick. With retention 0 no
 * event or dead letter is ever pruned; finished fetch jobs are, whatever the retention.
 */
export function startRetention(
  deps: { db: Db; retentionMs: number; log: Logger; metrics?: Metrics },
  options: { everyMs?: number; batchSize?: number } = {},
): { stop(): Promise<void> } {
  const log = deps.log.child({ task: "retention" });
  let stopping = false;
  let running: Promise<void> | undefined;
  const pass = () => {
    running ??= pruneExpired(deps.db, { retentionMs: deps.retentionMs, batchSize: options.batchSize, shouldStop: () => stopping })
      .then((pruned) => {
        deps.metrics?.pruned.inc({ table: "events" }, pruned.events);
        deps.metrics?.pruned.inc({ table: "dead_letters" }, pruned.deadLetters);
        deps.metrics?.pruned.inc({ table: "fetch_jobs" }, pruned.fetchJobs);
        if (pruned.events || pruned.deadLetters || pruned.fetchJobs) log.info("pruned expired rows", pruned);
      })
      .catch((error) => log.warn("retention pass failed; will retry", { error: (error as Error).message }))
      .finally(() => (running = undefined));
  };
  pass();
  const timer = setInterval(pass, options.everyMs ?? 3_600_000);
  return {
    async stop() {
      stopping = true;
      clearInterval(timer);
      await running;
    },
  };
}
