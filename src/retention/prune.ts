import type { Db } from "../db/db.ts";
import { queries } from "../sql.ts";

const DAY = 86_400_000;

export type PruneResult = { events: number; deadLetters: number };

/** The first UTC midnight at or before `now - retention`: events before it belong to whole expired days. */
export function retentionCutoff(now: number, retentionMs: number): Date {
  return new Date(Math.floor((now - retentionMs) / DAY) * DAY);
}

/**
 * One retention pass: deletes expired events (their per-day counts stay in regstat.activity_daily) and
 * expired dead letters, `batchSize` rows per transaction so that a huge backlog never holds a long one.
 * Stops between batches when `shouldStop` says so; the rest waits for the next pass.
 */
export async function pruneExpired(
  db: Db,
  options: { retentionMs: number; now?: number; batchSize?: number; shouldStop?: () => boolean },
): Promise<PruneResult> {
  const cutoff = retentionCutoff(options.now ?? Date.now(), options.retentionMs).toISOString();
  const batchSize = options.batchSize ?? 5000;
  const stop = options.shouldStop ?? (() => false);
  const result: PruneResult = { events: 0, deadLetters: 0 };
  while (!stop()) {
    const [row] = await db.query<{ pruned: number }>(queries.pruneExpiredEvents, [cutoff, batchSize]);
    result.events += row!.pruned;
    if (row!.pruned < batchSize) break;
  }
  while (!stop()) {
    const [row] = await db.query<{ pruned: number }>(queries.pruneDeadLetters, [cutoff, batchSize]);
    result.deadLetters += row!.pruned;
    if (row!.pruned < batchSize) break;
  }
  return result;
}
