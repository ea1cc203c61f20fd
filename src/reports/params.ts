import * as v from "valibot";
import { durationHelp, parseDuration } from "../duration.ts";

export const LIMIT_MAX = 1000;

/** A parameter a report may take: what it accepts (said back in every error) and how its text becomes a value. */
export type Param = { name: string; description: string; allowed: string; schema: v.GenericSchema<string, unknown> };

const whole = (allowed: string, max: number) =>
  v.pipe(v.string(), v.regex(/^\d+$/, `must be ${allowed}`), v.transform(Number), v.maxValue(max, `must be ${allowed}`));

const name = (allowed: string) => v.pipe(v.string(), v.maxLength(255, `must be ${allowed}`));

const isoTime = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/;

function param(name: string, description: string, allowed: string, schema: v.GenericSchema<string, unknown>): Param {
  return { name, description, allowed, schema };
}

export const params = {
  registry: param("registry", "only this registry (as regstat names it, e.g. registry.example.com:5000)",
    "a registry name of at most 255 characters", name("a registry name of at most 255 characters")),
  repository: param("repository", "only repositories whose name starts with this",
    "a repository name prefix of at most 255 characters", name("a repository name prefix of at most 255 characters")),
  limit: param("limit", "rows per page", `a whole number from 1 to ${LIMIT_MAX}`, v.pipe(
    whole(`a whole number from 1 to ${LIMIT_MAX}`, LIMIT_MAX),
    v.minValue(1, `must be a whole number from 1 to ${LIMIT_MAX}`),
  )),
  cursor: param("cursor", "where the page starts: the next_cursor of the page before",
    "the next_cursor of a previous answer of the same report", v.pipe(v.string(), v.maxLength(4096, "is too long"))),
  days: param("days", "a number of days", "a whole number of days from 0 to 36500", whole("a whole number of days from 0 to 36500", 36_500)),
  months: param("months", "a number of months", "a whole number of months from 0 to 1200", whole("a whole number of months from 0 to 1200", 1200)),
  grace: param("grace", "blobs pushed more recently than this are left out (a push in flight)", durationHelp, v.pipe(
    v.string(),
    v.check((s) => parseDuration(s) !== undefined, `must be ${durationHelp}`),
    v.transform((s) => parseDuration(s)!),
  )),
  fresh: param("fresh", "recompute the snapshot the report reads before answering (takes seconds on a large registry)",
    "true or false", v.pipe(
      v.picklist(["true", "false"], "must be true or false"),
      v.transform((s) => s === "true"),
    )),
  since: param("since", "only deletions at or after this time",
    `an ISO 8601 date or time (2026-01-31, 2026-01-31T08:00:00Z), or ${durationHelp} before now`, v.pipe(
      v.string(),
      v.check(
        (s) => parseDuration(s) !== undefined || (isoTime.test(s) && !Number.isNaN(Date.parse(s))),
        `must be an ISO 8601 date or time (2026-01-31, 2026-01-31T08:00:00Z), or ${durationHelp} before now`,
      ),
      v.transform((s) => {
        const ago = parseDuration(s);
        return new Date(ago !== undefined ? Date.now() - ago : Date.parse(s)).toISOString();
      }),
    )),
} satisfies Record<string, Param>;

export type ParamName = keyof typeof params;
