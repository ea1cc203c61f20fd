import type { Queryable } from "../db/db.ts";
import { queries } from "../sql.ts";
import { splitRefs, type DeadLetter, type StoredEvent } from "./normalize.ts";

// Each statement applies a whole batch at once, rows sorted by key, tables always in this order: so
// concurrent writers (other envelopes, other regstat processes) queue on row locks instead of deadlocking.
const writes = [
  queries.upsertManifests,
  queries.upsertRepositoryManifests,
  queries.upsertBlobs,
  queries.upsertRepositoryBlobs,
  "link",
  queries.upsertTags,
  queries.touchTagsPulledByDigest,
  queries.restoreLinks,
  queries.enqueueFetches,
] as const;

const deletes = [
  queries.classifyDeletes,
  queries.tombstoneRepositoryManifests,
  queries.tombstoneRepositoryBlobs,
  queries.deleteTags,
  queries.recordDeletions,
];

/**
 * Batch parameters as JSON text. PostgreSQL text cannot hold NUL nor jsonb a lone surrogate (both
 * refused, the envelope could not even be dead-lettered), so each becomes U+FFFD.
 */
const json = (value: unknown) =>
  JSON.stringify(value, (_key, v) => (typeof v === "string" ? v.toWellFormed().replaceAll("\0", "\ufffd") : v));

/**
 * Stores a batch of events in one transaction: logs them, then applies the ones not seen before, in
 * arrival order (a run of deletes is applied after the events before it and before those after it).
 * Returns the ids that were new.
 */
export async function storeEvents(tx: Queryable, events: StoredEvent[], dead: DeadLetter[]): Promise<Set<string>> {
  if (dead.length) await tx.query(queries.insertDeadLetters, [json(dead)]);
  if (!events.length) return new Set();
  const inserted = await tx.query<{ id: string }>(queries.insertEvents, [json(events)]);
  const fresh = new Set(inserted.map((row) => row.id));
  for (const run of runs(events.filter((e) => fresh.has(e.id)))) {
    const ids = json(run.map((e) => e.id));
    const isDelete = run[0]!.action === "delete";
    for (const statement of isDelete ? deletes : writes) {
      if (statement === "link") await linkReferences(tx, run);
      else await tx.query(statement, [ids]);
    }
    const digests = json([...new Set(run.flatMap((e) => (e.digest ? [e.digest] : [])))].sort());
    await tx.query(queries.retireManifests, [digests]);
    await tx.query(queries.retireBlobs, [digests]);
  }
  return fresh;
}

async function linkReferences(tx: Queryable, events: StoredEvent[]) {
  const manifests = new Map<string, ReturnType<typeof splitRefs>>();
  for (const e of events) if (e.refs && e.digest) manifests.set(e.digest, splitRefs(e.refs));
  if (!manifests.size) return;
  const input = [...manifests].sort(([a], [b]) => (a < b ? -1 : 1)).map(([digest, refs]) => ({ digest, ...refs }));
  await tx.query(queries.linkManifests, [json(input)]);
}

/** Consecutive events split where deletes start or stop. */
function runs(events: StoredEvent[]): StoredEvent[][] {
  const out: StoredEvent[][] = [];
  for (const event of events) {
    const last = out.at(-1);
    if (last && (last[0]!.action === "delete") === (event.action === "delete")) last.push(event);
    else out.push([event]);
  }
  return out;
}
