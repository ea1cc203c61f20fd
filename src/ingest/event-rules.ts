import type { Queryable, Row } from "../db/db.ts";
import { type References, splitReferences } from "../distribution.ts";
import { queries } from "../sql.ts";
import type { DeadLetter } from "./dead-letter.ts";
import type { StoredEvent } from "./normalize.ts";

type Statement = { text: string; params: unknown[] };
/** An event as the statements see it: a delete by digest says what classify_deletes found it names. */
type Event = Omit<StoredEvent, "kind"> & { kind: StoredEvent["kind"] | "unknown" };
type Applies = (e: Event) => boolean;
/** A statement for a run of events, or nothing when it has nothing to do for them. */
type Step = (run: Event[]) => Statement | undefined;

const isManifest: Applies = (e) => e.kind === "manifest";
const isBlob: Applies = (e) => e.kind === "blob";
/** A stored manifest that came without its references is fetched from the registry later. */
export const queuesFetch: Applies = (e) => isManifest(e) && e.refs === null;

const each =
  (text: string, applies: Applies): Step =>
  (run) => {
    const chosen = run.filter(applies);
    return chosen.length ? { text, params: [rows(chosen)] } : undefined;
  };

// Each statement applies a whole batch at once, rows sorted by key, tables always in this order: so
// concurrent writers (other envelopes, other regstat processes) queue on row locks instead of deadlocking.
// Each is given the events it applies to, chosen here; a statement with none is not sent at all.
const writes: Step[] = [
  each(queries.upsertManifests, isManifest),
  each(queries.upsertRepositoryManifests, isManifest),
  each(queries.upsertBlobs, isBlob),
  each(queries.upsertRepositoryBlobs, isBlob),
  linkReferences,
  each(queries.upsertTags, (e) => isManifest(e) && e.tag !== null),
  each(
    queries.touchTagsPulledByDigest,
    (e) => isManifest(e) && e.action === "pull" && e.method === "GET" && e.uncounted === null && e.tag === null,
  ),
  each(queries.restoreLinks, queuesFetch),
  each(queries.enqueueFetches, queuesFetch),
];

// Applied to deletes once classify_deletes has said what each digest names.
const deletes: Step[] = [
  each(queries.tombstoneRepositoryManifests, (e) => e.kind === "manifest" || e.kind === "unknown"),
  each(queries.tombstoneRepositoryBlobs, (e) => e.kind === "blob" || e.kind === "unknown"),
  each(queries.deleteTags, (e) => e.kind === "tag" || e.kind === "manifest"),
  each(queries.recordDeletions, () => true),
];

/**
 * Batch parameters as JSON text. PostgreSQL text cannot hold NUL nor jsonb a lone surrogate, in a value or
 * an object key (both refused: the envelope could not even be dead-lettered, and the registry would resend
 * it forever), so each becomes U+FFFD.
 */
const json = (value: unknown) =>
  JSON.stringify(value, (_key, v) => {
    if (typeof v === "string") return storable(v);
    if (v === null || typeof v !== "object" || Array.isArray(v) || Object.keys(v).every(isStorable)) return v;
    return Object.fromEntries(Object.entries(v).map(([k, item]) => [storable(k), item]));
  });
const isStorable = (s: string) => s.isWellFormed() && !s.includes("\0");
const storable = (s: string) => (isStorable(s) ? s : s.toWellFormed().replaceAll("\0", "\ufffd"));

/** The columns the statements read: an event without its references and request details. */
const rows = (events: Event[]) =>
  json(
    events.map(({ id, ts, action, kind, registry, repository, digest, tag, media_type, size, method, uncounted, url }) => ({
      id,
      ts,
      action,
      kind,
      registry,
      repository,
      digest,
      tag,
      media_type,
      size,
      method,
      uncounted,
      url,
    })),
  );

/**
 * Stores a batch of events in one transaction: logs them, then applies the ones not seen before, in
 * arrival order (a run of deletes is applied after the events before it and before those after it).
 * Returns the ids that were new. With `pipeline`, statements that need no answer before the next are
 * sent together: the server still runs them one after another, in order, but they cost one round trip.
 * `lockFirst` takes lock_ingest.sql before anything else, in the same round trip; `probeIndexes` applies
 * plan_ingest.sql (on PostgreSQL; PGlite, planning every statement afresh on small tables in memory,
 * measured twice as slow with it).
 */
export async function storeEvents(
  tx: Queryable,
  events: StoredEvent[],
  dead: DeadLetter[],
  { lockFirst = false, pipeline = false, probeIndexes = false }: { lockFirst?: boolean; pipeline?: boolean; probeIndexes?: boolean } = {},
): Promise<Set<string>> {
  const send = async (statements: Statement[]): Promise<Row[][]> => {
    if (pipeline) return Promise.all(statements.map((s) => tx.query(s.text, s.params)));
    const answers = [];
    for (const s of statements) answers.push(await tx.query(s.text, s.params));
    return answers;
  };

  const logged: Statement[] = [];
  if (lockFirst) logged.push({ text: queries.lockIngest, params: [] });
  if (probeIndexes) logged.push({ text: queries.planIngest, params: [] });
  if (dead.length) logged.push({ text: queries.insertDeadLetters, params: [json(dead)] });
  if (!events.length) {
    await send(logged);
    return new Set();
  }
  events = unique(events);
  logged.push({ text: queries.insertEvents, params: [json(events)] });
  const inserted = (await send(logged)).at(-1) as { id: string }[];
  const fresh = new Set(inserted.map((row) => row.id));
  const stored = events.filter((e) => fresh.has(e.id));
  if (!stored.length) return fresh;

  let pending: Statement[] = [{ text: queries.countActivity, params: [rows(stored)] }];
  for (let run of runs(stored)) {
    const isDelete = run[0]!.action === "delete";
    const byDigest = isDelete ? run.filter((e) => e.digest !== null) : [];
    if (byDigest.length) {
      // What a digest names depends on every row written before it: what is pending goes first.
      const classify = { text: queries.classifyDeletes, params: [json(byDigest.map((e) => e.id))] };
      const answers = (await send([...pending, classify])).at(-1) as { id: string; kind: Event["kind"] }[];
      pending = [];
      const kinds = new Map(answers.map((r) => [r.id, r.kind]));
      run = run.map((e) => (kinds.has(e.id) ? { ...e, kind: kinds.get(e.id)! } : e));
    }
    for (const step of isDelete ? deletes : writes) {
      const statement = step(run);
      if (statement) pending.push(statement);
    }
    // After pushes and pulls, a digest can only be held nowhere if one of them came older than its
    // deletion and left the tombstone in place (upsert_repository_* says so): retiring is then rare.
    if (!isDelete) {
      const answers = await send(pending);
      pending = [];
      if (!answers.some((rows) => rows.some((row) => row.still_deleted === true))) continue;
    }
    const digests = json([...new Set(run.flatMap((e) => (e.digest ? [e.digest] : [])))].sort());
    pending.push({ text: queries.retireManifests, params: [digests] }, { text: queries.retireBlobs, params: [digests] });
  }
  if (pending.length) await send(pending);
  return fresh;
}

function linkReferences(run: Event[]): Statement | undefined {
  const manifests = new Map<string, References>();
  for (const e of run) if (e.refs && e.digest) manifests.set(e.digest, splitReferences(e.refs));
  if (!manifests.size) return undefined;
  const input = [...manifests].sort(([a], [b]) => (a < b ? -1 : 1)).map(([digest, refs]) => ({ digest, ...refs }));
  return { text: queries.linkManifests, params: [json(input)] };
}

/** The first event of each id: the log keeps one, so the state must count one. */
function unique(events: StoredEvent[]): StoredEvent[] {
  const seen = new Set<string>();
  return events.filter((e) => !seen.has(e.id) && seen.add(e.id));
}

/** Consecutive events split where deletes start or stop. */
function runs(events: Event[]): Event[][] {
  const out: Event[][] = [];
  for (const event of events) {
    const last = out.at(-1);
    if (last && (last[0]!.action === "delete") === (event.action === "delete")) last.push(event);
    else out.push([event]);
  }
  return out;
}
