import type { Db } from "../db/db.ts";
import { queries } from "../sql.ts";

const DAY = 86_400_000;

/** A finished fetch job is kept this long for its reason (`last_error`) to be read, then pruned. */
export const FINISHED_FETCH_JOB_AGE_MS = 7 * DAY;

export type PruneResult = { events: number; deadLetters: number; fetchJobs: number };

/** The first UTC midnight at or before `now - retention`: events before it belong to whole expired days. */
export function retentionCutoff(now: number, retentionMs: number): Date {
  return new Date(Math.floor((now - retentionMs) / DAY) * DAY);
}

/**
 * One retention pass: deletes expired events (their per-day counts stay in regstat.activity_daily) and
 * expired dead letters unless `retentionMs` is 0 (kept forever), and fetch jobs finished more than
 * FINISHED_FETCH_JOB_AGE_MS ago whatever the retention, `batchSize` rows per transaction so that a huge
 * backlog never holds a long one. Stops between batches when `shouldStop` says so; the rest waits for the
 * next pass.
 */
export async function pruneExpired(
  db: Db,
  options: { retentionMs: number; now?: number; batchSize?: number; shouldStop?: () => boolean },
): Promise<PruneResult> {
  const now = options.now ?? Date.now();
  const batchSize = options.batchSize ?? 5000;
  const stop = options.shouldStop ?? (() => false);
  const inBatches = async (query: string, before: Date) => {
    let pruned = 0;
    while (!stop()) {
      const [row] = await db.query<{ pruned: number }>(query, [before.toISOString(), batchSize]);
      pruned += row!.pruned;
      if (row!.pruned < batchSize) break;
    }
    return pruned;
  };
  const result: PruneResult = { events: 0, deadLetters: 0, fetchJobs: 0 };
  if (options.retentionMs > 0) {
    const cutoff = retentionCutoff(now, options.retentionMs);
    result.events = await inBatches(queries.pruneExpiredEvents, cutoff);
    result.deadLetters = await inBatches(queries.pruneDeadLetters, cutoff);
  }
  result.fetchJobs = await inBatches(queries.pruneFetchJobs, new Date(now - FINISHED_FETCH_JOB_AGE_MS));
  return result;
}
