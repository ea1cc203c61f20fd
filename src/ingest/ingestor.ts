import { type Db, isTransient, type Queryable, refusalCause, retryConflicts } from "../db/db.ts";
import { isAction } from "../distribution.ts";
import type { Logger } from "../log.ts";
import { type DeadLetter, keepableEvent, REFUSED_EVENT_MAX_BYTES } from "./dead-letter.ts";
import { queuesFetch, storeEvents } from "./event-rules.ts";
import type { Normalized, StoredEvent } from "./normalize.ts";

/** What became of one event of an envelope; `registry` is unknown for an event regstat could not read. */
export type EventOutcome = {
  action: string;
  registry?: string;
  result: "stored" | "duplicate" | "dead_lettered";
  cause?: NonNullable<DeadLetter["cause"]>;
};

/**
 * What became of an envelope: its counts, each event's outcome, the events that were new, and whether
 * one of them queued a manifest fetch. `refused`: the database refused the whole envelope (see
 * DeadLetter's cause) and its events are dead letters.
 */
export type Outcome = {
  stored: number;
  duplicates: number;
  deadLettered: number;
  events: EventOutcome[];
  storedEvents: StoredEvent[];
  fetchQueued: boolean;
  refused?: "data" | "schema";
};

type Waiting = {
  batch: Normalized;
  signal?: AbortSignal;
  resolve: (o: Outcome) => void;
  reject: (e: unknown) => void;
};

/**
 * Group commit: envelopes that arrive while a transaction is committing are written together in the
 * next one, and each caller is answered when its group has committed. One transaction at a time per
 * process keeps this process's writers from ever waiting on each other.
 */
export class Ingestor {
  private queue: Waiting[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly maxGroupEvents = 2000,
  ) {}

  /**
   * Resolves when the batch is committed. A caller that has stopped waiting (its signal aborted: the
   * registry was already told to retry) is dropped from the queue, so a database outage cannot make
   * the queue grow without bound.
   */
  submit(batch: Normalized, signal?: AbortSignal): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      this.queue.push({ batch, signal, resolve, reject });
      this.running ??= this.drain().finally(() => (this.running = undefined));
    });
  }

  /** Resolves once everything submitted so far is written (or has failed). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain() {
    for (;;) {
      await arrivals();
      if (!this.queue.length) return;
      await this.commit(this.takeGroup());
    }
  }

  private takeGroup(): Waiting[] {
    const group: Waiting[] = [];
    let events = 0;
    while (this.queue.length && (group.length === 0 || events + size(this.queue[0]!) <= this.maxGroupEvents)) {
      const next = this.queue.shift()!;
      if (next.signal?.aborted) {
        next.reject(next.signal.reason);
        continue;
      }
      events += size(next);
      group.push(next);
    }
    return group;
  }

  private async commit(group: Waiting[]) {
    try {
      const outcomes = await this.write(group.map((w) => w.batch));
      for (const [i, w] of group.entries()) w.resolve(outcomes[i]!);
    } catch (error) {
      const cause = refusalCause(error);
      if (!cause) {
        // The registry is answered 503 and sends the envelope again: nothing is lost while this lasts.
        if (!isTransient(error)) this.log.error("the database failed a write; the registry will resend", describe(error));
        for (const w of group) w.reject(error);
      } else if (group.length > 1) {
        // One envelope the database refuses must not fail the others written with it.
        for (const w of group) await this.commit([w]);
      } else {
        await this.deadLetterAll(group[0]!, error, cause);
      }
    }
  }

  private async write(batches: Normalized[]): Promise<Outcome[]> {
    const events = batches.flatMap((b) => b.events);
    const dead = batches.flatMap((b) => b.dead);
    const fresh = await commitEvents(this.db, events, dead);
    return batches.map((b) => {
      const events = b.events.map(
        (e): EventOutcome => ({ action: e.action, registry: e.registry, result: fresh.delete(e.id) ? "stored" : "duplicate" }),
      );
      const storedEvents = b.events.filter((_, i) => events[i]!.result === "stored");
      return {
        stored: storedEvents.length,
        duplicates: b.events.length - storedEvents.length,
        deadLettered: b.dead.length,
        events: [...events, ...b.dead.map(unreadable)],
        storedEvents,
        fetchQueued: storedEvents.some(queuesFetch),
      };
    });
  }

  /**
   * The database refused this envelope for a reason a retry cannot cure (a value out of range, say).
   * Answering an error would make the registry resend it forever and stall its queue behind it, so
   * its events are kept whole as dead letters with the reason and the envelope is accepted. When the
   * refusal is regstat's own schema's (cause "schema"), that is a regstat bug: it is logged as one, counted
   * apart, and the dead letters can be replayed once it is fixed.
   */
  private async deadLetterAll(w: Waiting, error: unknown, cause: "data" | "schema") {
    const reason = refusedReason(error);
    const fields = { reason, cause, events: w.batch.events.length };
    if (cause === "schema") this.log.error("envelope dead-lettered by a constraint of regstat's own schema: replay it once fixed", fields);
    else this.log.warn("envelope dead-lettered: the database cannot hold one of its values", fields);
    const dead: DeadLetter[] = [
      ...w.batch.dead,
      // As the registry sent them, so that a replay (regstat dead-letters replay) reads them afresh.
      ...w.batch.events.map((e) => ({
        id: e.id,
        reason,
        cause,
        event: keepableEvent(w.batch.raw.get(e.id) ?? e, REFUSED_EVENT_MAX_BYTES),
      })),
    ];
    try {
      await this.db.transaction((tx) => storeEvents(tx, [], dead));
      const refused = w.batch.events.map((e): EventOutcome => ({ action: e.action, registry: e.registry, result: "dead_lettered", cause }));
      w.resolve({
        stored: 0,
        duplicates: 0,
        deadLettered: dead.length,
        events: [...refused, ...w.batch.dead.map(unreadable)],
        storedEvents: [],
        fetchQueued: false,
        refused: cause,
      });
    } catch (again) {
      w.reject(again);
    }
  }
}

const describe = (error: unknown) => ({
  code: (error as { code?: string }).code,
  error: String((error as Error)?.message ?? error).slice(0, 400),
});

/**
 * Stores a batch in a transaction of its own, as the webhook does; `also` runs in the same transaction with
 * the ids that were new. Several regstat processes on one database apply their batches one after another
 * (lock_ingest.sql).
 */
export async function commitEvents(
  db: Db,
  events: StoredEvent[],
  dead: DeadLetter[],
  also?: (tx: Queryable, fresh: Set<string>) => Promise<unknown>,
): Promise<Set<string>> {
  const onPostgres = db.kind === "postgres";
  return retryConflicts(() =>
    db.transaction(async (tx) => {
      const fresh = await storeEvents(tx, events, dead, { lockFirst: true, pipeline: onPostgres, probeIndexes: onPostgres });
      await also?.(tx, fresh);
      return fresh;
    }),
  );
}

/** The dead-letter reason of an event the database refused. */
export function refusedReason(error: unknown): string {
  const { code, error: message } = describe(error);
  return `the database refused the event: ${code ?? ""} ${message}`.slice(0, 500);
}

/** An event normalize could not read: its action only if it names a known one. */
function unreadable(d: DeadLetter): EventOutcome {
  const action = (d.event as { action?: unknown } | null)?.action;
  return { action: typeof action === "string" && isAction(action) ? action : "other", result: "dead_lettered", cause: "event" };
}

/**
 * One turn of the event loop, so that the deliveries that came in meanwhile are read and join the next
 * group. On PGlite a transaction runs on this thread and resolves through microtasks only: without the
 * turn, the next group was taken before any waiting delivery was read, and every group held one envelope
 * (32 senders got a transaction each, one after another).
 */
const arrivals = () => new Promise<void>((resolve) => setImmediate(resolve));

const size = (w: Waiting) => w.batch.events.length + w.batch.dead.length;
