import { AppError } from "../errors.ts";

/** The most of one uninterpretable event kept as a dead letter; the rest is summarized. */
export const DEAD_LETTER_MAX_BYTES = 16 * 1024;
/** An event the database refused passed validation: it is kept whole up to this, to be replayed. */
export const REFUSED_EVENT_MAX_BYTES = 1024 * 1024;
/** Deeper than this, a dead letter is kept as text: PostgreSQL's JSON parser recurses per level. */
export const DEAD_LETTER_MAX_DEPTH = 32;

/**
 * JSON text of any value JSON.parse can return, however deep: below `maxDepth` levels a value is replaced
 * by "...". JSON.stringify itself recurses once per level and overflows the stack on deep input.
 */
export function boundedJson(value: unknown, maxDepth = DEAD_LETTER_MAX_DEPTH): { text: string; cut: boolean } {
  let cut = false;
  const write = (v: unknown, level: number): string => {
    if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
    if (level >= maxDepth) {
      cut = true;
      return '"..."';
    }
    if (Array.isArray(v)) return `[${v.map((item) => write(item, level + 1)).join(",")}]`;
    return `{${Object.entries(v).map(([k, item]) => `${JSON.stringify(k)}:${write(item, level + 1)}`).join(",")}}`;
  };
  const text = write(value, 0);
  return { text, cut };
}

/**
 * What is stored of an event regstat cannot interpret. Small, shallow events are kept as sent; anything
 * else is kept as the start of its JSON text, so a dead letter never costs more than a few kilobytes and
 * the database can always accept it (otherwise the registry would resend it forever).
 */
export function keepableEvent(raw: unknown, maxBytes = DEAD_LETTER_MAX_BYTES): unknown {
  // A JSON null would reach the not-null column as SQL NULL: say what came instead.
  if (raw === null || raw === undefined) return { value: null };
  const { text, cut } = boundedJson(raw);
  if (!cut && text.length <= maxBytes) return raw;
  return { truncated: true, length: text.length, start: text.slice(0, maxBytes) };
}

/**
 * At most `max` pieces of work at once, and at most `queue` more waiting for their turn, each for `maxWaitMs`
 * at most; past that the caller is told 503 `busy` (the registry, or a dashboard, retries).
 */
export function concurrencyGate(max: number, { queue = 0, maxWaitMs = Infinity, what = "requests" } = {}) {
  let running = 0;
  const waiting: (() => void)[] = [];
  const busy = () => new AppError(503, "busy", `more than ${max + queue} ${what} at once; retry later`);
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= max) {
      if (waiting.length >= queue) throw busy();
      await new Promise<void>((resolve, reject) => {
        const turn = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = Number.isFinite(maxWaitMs)
          ? setTimeout(() => {
              waiting.splice(waiting.indexOf(turn), 1);
              reject(busy());
            }, maxWaitMs)
          : undefined;
        waiting.push(turn);
      });
    } else running++;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/** The body as text, or a 408 once `ms` pass before all of it has arrived (a stalled or trickling sender). */
export async function readBody(text: () => Promise<string>, ms: number): Promise<string> {
  let timer: Timer | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError(408, "body_timeout", `the body did not arrive within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([text(), late]);
  } finally {
    clearTimeout(timer);
  }
}
