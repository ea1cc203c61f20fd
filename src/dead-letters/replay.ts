import { type Db, refusalCause } from "../db/db.ts";
import type { DeadLetter } from "../ingest/dead-letter.ts";
import { commitEvents, refusedReason } from "../ingest/ingestor.ts";
import { normalizeEvent, type Rules, type StoredEvent } from "../ingest/normalize.ts";
import type { Logger } from "../log.ts";
import { queries } from "../sql.ts";

export type DeadLetterRow = { id: string; received: Date; after: string; reason: string; event: unknown };
export type ReplaySummary = {
  /** stored as if they had just arrived, and gone from the dead letters */
  applied: number;
  /** already in the event log (same id): gone from the dead letters, nothing else changed */
  duplicates: number;
  /** still not applicable, kept with today's reason */
  kept: number;
};

const json = (value: unknown) => JSON.stringify(value);

/**
 * Runs every dead letter through today's rules, oldest first. One that now applies is stored by the
 * webhook's own path (normalizeEvent, then storeEvents in one transaction) and leaves the table in that
 * same transaction; the rest stay, with the reason (and cause) they get today. Idempotent by event id: a replay
 * twice changes nothing. A database error that is not the event's fault stops the replay; what was replayed stays.
 */
export async function replayDeadLetters(db: Db, rules: Rules, log: Logger, chunk = 500): Promise<ReplaySummary> {
  const summary: ReplaySummary = { applied: 0, duplicates: 0, kept: 0 };
  let after: [string | null, string] = [null, ""];
  for (;;) {
    const rows = await db.query<DeadLetterRow>(queries.selectDeadLetters, [after[0], after[1], chunk]);
    if (!rows.length) break;
    after = [rows.at(-1)!.after, rows.at(-1)!.id];
    const applies: StoredEvent[] = [];
    const reasons: Reason[] = [];
    for (const row of rows) {
      const result = normalizeEvent(row.event, rules);
      if ("reason" in result) reasons.push({ id: row.id, reason: result.reason, cause: "event" });
      else applies.push(result);
    }
    await apply(db, applies, summary, reasons);
    if (reasons.length) await db.query(queries.updateDeadLetterReasons, [json(reasons)]);
    summary.kept += reasons.length;
  }
  log.info("dead letters replayed", summary);
  return summary;
}

type Reason = Pick<DeadLetter, "id" | "reason"> & { cause: NonNullable<DeadLetter["cause"]> };

/**
 * Stores the events and drops their dead letters together; one the database refuses (class 22 or 23, as
 * for the webhook) is kept with why. Any other database error stops the replay: it is not the event's fault.
 */
async function apply(db: Db, events: StoredEvent[], summary: ReplaySummary, reasons: Reason[]) {
  if (!events.length) return;
  try {
    const fresh = await commitEvents(db, events, [], (tx) => tx.query(queries.deleteDeadLetters, [json(events.map((e) => e.id))]));
    summary.applied += fresh.size;
    summary.duplicates += events.length - fresh.size;
  } catch (error) {
    const cause = refusalCause(error);
    if (!cause) throw error;
    if (events.length > 1) {
      for (const event of events) await apply(db, [event], summary, reasons);
    } else {
      reasons.push({ id: events[0]!.id, reason: refusedReason(error), cause });
    }
  }
}
