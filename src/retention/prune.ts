import type { Db } from "../db/db.ts";
import { queries } from "../sql.ts";

const DAY = 86_400_000;

export type PruneResult = { events: number; deadLetters: number };

/** The first UTC midnight at or before `now - retention`: events before it belong to whole expired days. */
export function retentionCutoff(now: number, retentionMs: number): Date {
  return new Date(Math.floor((now - retentionMs) / DAY) * DAY);
}

/**
 * One retention pass: folds expired events into regstat.activity_daily and deletes them, and deletes
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
  // Each batch is one statement, so folding and deleting commit together or not at all.
  while (!stop()) {
    const [row] = await db.query<{ folded: number }>(queries.foldExpiredEvents, [cutoff, batchSize]);
    result.events += row!.folded;
    if (row!.folded < batchSize) break;
  }
  while (!stop()) {
    const [row] = await db.query<{ pruned: number }>(queries.pruneDeadLetters, [cutoff, batchSize]);
    result.deadLetters += row!.pruned;
    if (row!.pruned < batchSize) break;
  }
  return result;
}
