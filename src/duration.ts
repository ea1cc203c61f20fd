import * as v from "valibot";

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "15m", "1h", "90d", "250ms" or "0" to milliseconds; undefined when not a duration, or over `maxMs`. */
export function parseDuration(text: string, maxMs = Number.POSITIVE_INFINITY): number | undefined {
  if (text.trim() === "0") return 0;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * units[match[2]!]!);
  return ms <= maxMs ? ms : undefined;
}

export const durationHelp = 'a duration such as "250ms", "90s", "15m", "1h", "30d", or "0"';

/** A duration setting or parameter as milliseconds; `help` says what is allowed when it is not one. */
export const durationSchema = (maxMs = Number.POSITIVE_INFINITY, help = durationHelp) =>
  v.pipe(
    v.string(),
    v.check((s) => parseDuration(s, maxMs) !== undefined, `must be ${help}`),
    v.transform((s) => parseDuration(s, maxMs)!),
  );
