import * as v from "valibot";
import { durationHelp, durationSchema, parseDuration } from "../duration.ts";
import { isTime } from "./cursor.ts";

export const LIMIT_MAX = 1000;

/** A parameter a report may take: what it accepts (said back in every error) and how its text becomes a value. */
export type Param = { name: string; description: string; allowed: string; schema: v.GenericSchema<string, unknown> };

const whole = (allowed: string, max: number) =>
  v.pipe(v.string(), v.regex(/^\d+$/, `must be ${allowed}`), v.transform(Number), v.maxValue(max, `must be ${allowed}`));

// Text PostgreSQL can hold: no NUL, no lone surrogate.
const storable = (s: string) => s.isWellFormed() && !s.includes("\0");
const name = (allowed: string) => v.pipe(v.string(), v.maxLength(255, `must be ${allowed}`), v.check(storable, `must be ${allowed}`));

// A hundred years: far beyond any retention, and within what a Date and a PostgreSQL interval hold.
const MAX_DURATION_MS = 36_500 * 86_400_000;
const duration = (text: string) => parseDuration(text, MAX_DURATION_MS);
const FIRST_MOMENT = Date.parse("0001-01-01T00:00:00Z");
const LAST_MOMENT = Date.parse("9999-12-31T23:59:59.999Z");
const durationUpTo = `${durationHelp}, at most 36500d`;

const upToMaxDuration = () => durationSchema(MAX_DURATION_MS, durationUpTo);

const booleanSchema = () =>
  v.pipe(
    v.picklist(["true", "false"], "must be true or false"),
    v.transform((s) => s === "true"),
  );

const patternHelp = "a regular expression of at most 1000 characters, e.g. ^v\\d+|latest";
const patternSchema = () =>
  v.pipe(
    v.string(),
    v.maxLength(1000, `must be ${patternHelp}`),
    v.check(storable, `must be ${patternHelp}`),
    v.check((s) => {
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
    }, `must be ${patternHelp}`),
  );

const isoTime = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/;

function param(name: string, description: string, allowed: string, schema: v.GenericSchema<string, unknown>): Param {
  return { name, description, allowed, schema };
}

export const params = {
  registry: param(
    "registry",
    "only this registry (as regstat names it, e.g. registry.example.com:5000)",
    "a registry name of at most 255 characters",
    name("a registry name of at most 255 characters"),
  ),
  repository: param(
    "repository",
    "only repositories whose name starts with this",
    "a repository name prefix of at most 255 characters",
    name("a repository name prefix of at most 255 characters"),
  ),
  limit: param(
    "limit",
    "rows per page",
    `a whole number from 1 to ${LIMIT_MAX}`,
    v.pipe(whole(`a whole number from 1 to ${LIMIT_MAX}`, LIMIT_MAX), v.minValue(1, `must be a whole number from 1 to ${LIMIT_MAX}`)),
  ),
  cursor: param(
    "cursor",
    "where the page starts: the next_cursor of the page before",
    "the next_cursor of a previous answer of the same report",
    v.pipe(v.string(), v.maxLength(4096, "is too long")),
  ),
  days: param(
    "days",
    "a number of days",
    "a whole number of days from 0 to 36500",
    whole("a whole number of days from 0 to 36500", 36_500),
  ),
  months: param(
    "months",
    "a number of months",
    "a whole number of months from 0 to 1200",
    whole("a whole number of months from 0 to 1200", 1200),
  ),
  grace: param("grace", "blobs pushed more recently than this are left out (a push in flight)", durationUpTo, upToMaxDuration()),
  fresh: param(
    "fresh",
    "ignored: every answer is live (still accepted, so that scripts written for the snapshots keep working)",
    "anything",
    v.string(),
  ),
  since: param(
    "since",
    "only deletions at or after this time",
    `an ISO 8601 date or time (2026-01-31, 2026-01-31T08:00:00Z), or ${durationUpTo} before now`,
    v.pipe(
      v.string(),
      v.check(
        (s) => duration(s) !== undefined || (isoTime.test(s) && isTime(s) && !Number.isNaN(Date.parse(s))),
        `must be an ISO 8601 date or time (2026-01-31, 2026-01-31T08:00:00Z), or ${durationUpTo} before now`,
      ),
      v.transform((s) => {
        const ago = duration(s);
        // An offset can carry 0001-01-01 into year 0 or 9999-12-31 into 10000, which PostgreSQL does not read.
        const at = ago !== undefined ? Date.now() - ago : Date.parse(s);
        return new Date(Math.min(LAST_MOMENT, Math.max(FIRST_MOMENT, at))).toISOString();
      }),
    ),
  ),
  // the cleanup planner's retention rule (src/reports/cleanup.ts)
  keep_last: param(
    "keep_last",
    "keep the N most recently pushed tags of each repository (among those the rule judges)",
    "a whole number from 0 to 100000",
    whole("a whole number from 0 to 100000", 100_000),
  ),
  keep_pushed_within: param("keep_pushed_within", "keep tags pushed within this long", durationUpTo, upToMaxDuration()),
  keep_pulled_within: param(
    "keep_pulled_within",
    "keep tags whose image was pulled (GET) within this long",
    durationUpTo,
    upToMaxDuration(),
  ),
  tag: param(
    "tag",
    "judge only tags matching this regular expression (PostgreSQL's syntax); the others are kept",
    patternHelp,
    patternSchema(),
  ),
  keep_tag: param(
    "keep_tag",
    "keep tags matching this regular expression (PostgreSQL's syntax), e.g. ^v\\d+|latest",
    patternHelp,
    patternSchema(),
  ),
  untagged: param("untagged", "also delete the manifests no tag reaches", "true or false", booleanSchema()),
  totals: param("totals", "compute the plan's totals (false answers the rows alone, faster)", "true or false", booleanSchema()),
  registry_version: param(
    "registry_version",
    "the Distribution version the script is for: 3 deletes a tag alone by name, 2 cannot (its script lists those tags)",
    "2 or 3",
    v.pipe(v.picklist(["2", "3"], "must be 2 or 3"), v.transform(Number)),
  ),
} satisfies Record<string, Param>;

export type ParamName = keyof typeof params;
