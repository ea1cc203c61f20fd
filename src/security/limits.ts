import type { MiddlewareHandler } from "hono";
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
 * At most `max` requests through here at once; more are told 503 (the registry retries). A registry sends
 * one notification at a time per endpoint, so only a flood reaches this, and it cannot hold
 * `max` x the body limit of memory hostage.
 */
export function inFlightLimit(max: number): MiddlewareHandler {
  let inFlight = 0;
  return async (c, next) => {
    if (inFlight >= max) {
      c.header("Retry-After", "1");
      throw new AppError(503, "busy", `more than ${max} notifications in flight; retry later`);
    }
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  };
}
