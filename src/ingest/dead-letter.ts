// What is kept of an event regstat cannot store: a bounded copy, so the database can always accept it.

/**
 * `cause`: event (regstat cannot interpret it), data (the database cannot hold one of its values), schema
 * (a constraint of regstat's own schema refused it: regstat's fault, the event is good and can be replayed).
 */
export type DeadLetter = { id: string; reason: string; event: unknown; cause?: "event" | "data" | "schema" };

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
    return `{${Object.entries(v)
      .map(([k, item]) => `${JSON.stringify(k)}:${write(item, level + 1)}`)
      .join(",")}}`;
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

/** Keyed by the event's own id when it has one, so a redelivered bad event is kept once. */
export function deadLetter(raw: unknown, reason: string): DeadLetter {
  const id = (raw as { id?: unknown } | null)?.id;
  const key =
    typeof id === "string" && id.length > 0 && id.length <= 256
      ? id
      : `sha256:${new Bun.CryptoHasher("sha256").update(boundedJson(raw).text).digest("hex")}`;
  return { id: key, reason, event: keepableEvent(raw) };
}
