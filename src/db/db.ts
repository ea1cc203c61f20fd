export type Row = Record<string, unknown>;

/** What a query runs on: the pool, or one transaction. */
export interface Queryable {
  query<T = Row>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs several statements at once, without parameters (migrations). */
  exec(text: string): Promise<void>;
}

/** How an embedded database was found at start: made now from the template, made now by initdb, or there already. */
export type Created = "template" | "initdb" | "existing";

export interface Db extends Queryable {
  readonly kind: "postgres" | "pglite";
  readonly created?: Created;
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: { readOnly?: boolean }): Promise<T>;
  close(): Promise<void>;
}

/** Settings for the rest of a transaction (as `set local`), all of them in one round trip. */
export function setLocal(tx: Queryable, settings: Record<string, string | number>): Promise<unknown> {
  const names = Object.keys(settings);
  const calls = names.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`);
  return tx.query(
    `select ${calls.join(", ")}`,
    names.flatMap((name) => [name, String(settings[name])]),
  );
}

// Both drivers parse these the same way, so a report answers the same JSON on either database:
// byte counts and counts (int8, numeric) as numbers; 2^53 bytes is 8 PiB.
export const INT8 = 20;
export const NUMERIC = 1700;
export const toNumber = (text: string) => Number(text);

const transientStates = new Set(["40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53300", "53400"]);
const transientNodeCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ConnectionRefused",
]);

/** A failure that a retry may cure: the database is away, or two writers collided. */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  return transientStates.has(code) || code.startsWith("08") || transientNodeCodes.has(code);
}

/**
 * Why the database refused a write for the event's sake, or undefined when it did not: only a data
 * exception (class 22: a value out of range, text it cannot hold) is the event's own fault, and an integrity
 * violation (class 23) is a constraint of regstat's own schema, so regstat's fault. Every other error (a
 * timeout, a cancel, no memory, a revoked privilege, an error with no SQLSTATE) may pass: retry it.
 */
export function refusalCause(error: unknown): "data" | "schema" | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  return code.startsWith("22") ? "data" : code.startsWith("23") ? "schema" : undefined;
}

export const isConflict = (error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "40001" || code === "40P01";
};

/** Retries a transaction that lost a serialization or deadlock race; other errors go to the caller. */
export async function retryConflicts<T>(fn: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isConflict(error) || attempt >= attempts) throw error;
      await Bun.sleep(Math.random() * 10 * attempt);
    }
  }
}
