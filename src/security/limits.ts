import type { MiddlewareHandler } from "hono";
import { AppError } from "../errors.ts";

/** The most of one uninterpretable event kept as a dead letter; the rest is summarized. */
export const DEAD_LETTER_MAX_BYTES = 16 * 1024;
/** Deeper than this, a dead letter is kept as text: PostgreSQL's JSON parser recurses per level. */
export const DEAD_LETTER_MAX_DEPTH = 32;

/**
 * What is stored of an event regstat cannot interpret. Small, shallow events are kept as sent; anything
 * else is kept as the start of its JSON text, so a dead letter never costs more than a few kilobytes and
 * the database can always accept it (otherwise the registry would resend it forever).
 */
export function keepableEvent(raw: unknown): unknown {
  const text = JSON.stringify(raw) ?? "null";
  if (text.length <= DEAD_LETTER_MAX_BYTES && depth(raw, 0) <= DEAD_LETTER_MAX_DEPTH) return raw;
  return { truncated: true, length: text.length, start: text.slice(0, DEAD_LETTER_MAX_BYTES) };
}

function depth(value: unknown, level: number): number {
  if (level > DEAD_LETTER_MAX_DEPTH || value === null || typeof value !== "object") return level;
  let deepest = level + 1;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, depth(child, level + 1));
    if (deepest > DEAD_LETTER_MAX_DEPTH) break;
  }
  return deepest;
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
