import * as v from "valibot";
import { type Db, type Queryable, setLocal } from "../db/db.ts";
import { AppError, badRequest } from "../errors.ts";
import { queries } from "../sql.ts";
import { type Report, reports, reportsByName, type Values } from "./catalogue.ts";
import { decodeCursor, encodeCursor, type Key } from "./cursor.ts";
import { LIMIT_MAX, type ParamName, params } from "./params.ts";

export type Row = Record<string, unknown>;
export type Answer = {
  report: string;
  parameters: Record<string, unknown>;
  rows: Row[];
  next_cursor?: string | null;
  /** fields a report answers beside its rows (the cleanup plan's totals) */
  [field: string]: unknown;
  /** per registry, since when regstat has watched it: "never pulled" reads "not pulled since first_event" */
  coverage: Row[];
};

/** `timeoutMs`: the report's statement timeout on PostgreSQL (PGlite cannot interrupt a statement). */
export type RunOptions = { timeoutMs?: number };

const listParams: ParamName[] = ["registry", "repository", "limit", "cursor"];

/** Every parameter a report takes, in the order its help lists them. */
export function reportParams(report: Report): ParamName[] {
  return [...report.params, ...(report.list ? listParams : [])];
}

export function findReport(name: string): Report {
  const report = reportsByName.get(name);
  if (!report) {
    throw new AppError(404, "unknown_report", `there is no report "${name.slice(0, 100)}"`, {
      report: name.slice(0, 100),
      allowed: reports.map((r) => r.name),
    });
  }
  return report;
}

const invalid = (parameter: string, message: string, allowed: string | string[]) =>
  badRequest("invalid_parameter", `${parameter}: ${message}`, { parameter, allowed });

/** Checks the given parameters (each a string, given once) against the report's: every problem is a 400 naming it. */
export function parseParams(report: Report, given: Record<string, string>): { values: Values; after: Key; limit: number } {
  const allowed = reportParams(report);
  const values: Values = { registry: "", repository: "" };
  for (const [name, text] of Object.entries(given)) {
    if (!(allowed as string[]).includes(name)) {
      throw badRequest("unknown_parameter", `the ${report.name} report takes no parameter "${name.slice(0, 100)}"`, {
        parameter: name.slice(0, 100),
        allowed,
      });
    }
    const param = params[name as ParamName];
    const result = v.safeParse(param.schema, text);
    if (!result.success) {
      const shown = text.length > 40 ? `${JSON.stringify(text.slice(0, 40))}...` : JSON.stringify(text);
      throw invalid(name, `${result.issues[0].message} (got ${shown})`, param.allowed);
    }
    (values as Record<string, unknown>)[name] = result.output;
  }
  const problem = report.check?.(values);
  if (problem) throw invalid(problem.parameter, problem.message, problem.allowed);

  let after = report.start;
  if (values.cursor !== undefined) {
    const key = decodeCursor(report.name, report.start, values.cursor as string);
    if (!key) throw invalid("cursor", `not a cursor of the ${report.name} report`, params.cursor.allowed);
    after = key;
  }
  const limit = (values.limit as number | undefined) ?? report.defaultLimit ?? 100;
  return { values, after, limit: Math.min(limit, LIMIT_MAX) };
}

/** Answers one report from a read-only transaction: one page of a list (and the cursor of the next), or one row. */
export async function runReport(db: Db, name: string, given: Record<string, string>, options: RunOptions = {}): Promise<Answer> {
  const report = findReport(name);
  const { values, after, limit } = parseParams(report, given);
  const { fetched, fields } = await readTransaction(db, options, async (tx) => {
    const { rows: fetched, fields } = report.page
      ? await report.page(tx, values, after, limit)
      : { rows: await tx.query<Row>(report.sql!, report.args!(values, after, report.list ? limit + 1 : limit)), fields: {} };
    return { fetched, fields };
  });
  const page = report.list ? fetched.slice(0, limit) : fetched;
  const more = report.list && fetched.length > limit;
  const last = page.at(-1);
  const parameters: Record<string, unknown> = { ...given };
  if (report.list) parameters.limit = limit;
  return {
    report: report.name,
    parameters,
    rows: page.map(({ cursor_key: _, ...row }) => toJson(row)),
    ...(report.list ? { next_cursor: more && last ? encodeCursor(report.name, last.cursor_key as Key) : null } : {}),
    ...fields,
    coverage: await readCoverage(db),
  };
}

/** A report's answer as a shell script (`format=script`), from a read-only transaction. */
export async function runScript(db: Db, name: string, given: Record<string, string>, options: RunOptions = {}): Promise<string> {
  const report = findReport(name);
  if (!report.script) throw invalid("format", `the ${report.name} report has no script format`, "json, csv or table");
  const { values } = parseParams(report, given);
  return readTransaction(db, options, (tx) => report.script!(tx, values, given));
}

/** The read-only transaction a report is answered from, bounded by the report timeout on PostgreSQL. */
function readTransaction<T>(db: Db, options: RunOptions, read: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(
    async (tx) => {
      // A plan made for the parameters at hand: a generic plan of a prepared report can be far worse for
      // some of them (a repository prefix or none, the first page or a deep one).
      const settings: Record<string, string | number> = { plan_cache_mode: "force_custom_plan" };
      if (options.timeoutMs && db.kind === "postgres") settings.statement_timeout = Math.round(options.timeoutMs);
      await setLocal(tx, settings);
      return read(tx);
    },
    { readOnly: true },
  );
}

/** Every registry's coverage (the coverage report's rows), said with each answer and the catalogue. */
export async function readCoverage(db: Db): Promise<Row[]> {
  return (await db.query<Row>(queries.reportCoverage, [""])).map(toJson);
}

/** Times as ISO 8601 UTC; everything else as the database gave it (byte counts and counts are numbers). */
function toJson(row: Row): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) out[key] = value instanceof Date ? value.toISOString() : value;
  return out;
}

/** The catalogue, as GET /reports and `regstat report` without a name show it. */
export function describeReports() {
  return reports.map((report) => ({
    name: report.name,
    description: report.description,
    parameters: reportParams(report).map((name) => ({
      name,
      description: params[name].description,
      allowed: params[name].allowed,
      ...(name === "limit" ? { default: report.defaultLimit ?? 100 } : {}),
    })),
    columns: report.columns,
  }));
}
