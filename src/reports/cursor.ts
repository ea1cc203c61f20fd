import * as v from "valibot";

export type Key = (string | number)[];

/**
 * A cursor is the sort key of the last row of a page (as the database wrote it, so no precision is lost)
 * and the report's name, in base64url: opaque to clients, checked when it comes back.
 */
export function encodeCursor(report: string, key: Key): string {
  return Buffer.from(JSON.stringify([report, ...key])).toString("base64url");
}

const Decoded = v.tuple([v.string()]);
const KeyPart = v.union([v.string(), v.number()]);

/** The key, or undefined when the text is not a cursor this report gave out. */
export function decodeCursor(report: string, length: number, text: string): Key | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== length + 1) return undefined;
  if (!v.is(Decoded, parsed.slice(0, 1)) || parsed[0] !== report) return undefined;
  const key = parsed.slice(1);
  return key.every((part) => v.is(KeyPart, part)) ? (key as Key) : undefined;
}
