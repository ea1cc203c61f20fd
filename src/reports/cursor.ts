export type Key = (string | number)[];

/**
 * A cursor is the sort key of the last row of a page (as the database wrote it, so no precision is lost)
 * and the report's name, in base64url: opaque to clients, checked when it comes back.
 */
export function encodeCursor(report: string, key: Key): string {
  return Buffer.from(JSON.stringify([report, ...key])).toString("base64url");
}

/**
 * The key, or undefined when the text is not a cursor this report gave out. Each part must have the type of
 * the same part of the report's start key, and hold what PostgreSQL accepts for it: a cursor is the client's
 * text, and a value the database refuses would be a 500 instead of a 400.
 */
export function decodeCursor(report: string, start: Key, text: string): Key | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== start.length + 1 || parsed[0] !== report) return undefined;
  const key = parsed.slice(1);
  return key.every((part, i) => fits(part, start[i]!)) ? (key as Key) : undefined;
}

function fits(part: unknown, like: string | number): boolean {
  if (typeof like === "number") return Number.isSafeInteger(part);
  if (typeof part !== "string" || part.length > 1024 || !part.isWellFormed() || part.includes("\0")) return false;
  return isTime(like) ? isTime(part) : true;
}

const timeText =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ]([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?(?:Z|[+-](?:0\d|1[0-5])(?::?[0-5]\d)?)?)?$/;

/** A date or timestamp as PostgreSQL writes it (and reads it back), or ±infinity. */
export function isTime(text: string): boolean {
  if (text === "infinity" || text === "-infinity") return true;
  const match = timeText.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return year >= 1 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
