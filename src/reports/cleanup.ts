import { type Queryable, type Row, setLocal } from "../db/db.ts";
import { badRequest } from "../errors.ts";
import { queries } from "../sql.ts";
import type { Values } from "./catalogue.ts";
import type { Key } from "./cursor.ts";
import { type ParamName, params } from "./params.ts";

/**
 * The cleanup planner: what a retention rule deletes (regstat.cleanup_plan, migration 12) and the bytes a
 * garbage collection gets back once it is applied (cleanup_totals.sql). Pages are cut into
 * windows of repositories, so a first page costs a few repositories' worth, whatever the registry's size.
 */

export const ruleParams: ParamName[] = ["tag", "keep_tag", "keep_last", "keep_pushed_within", "keep_pulled_within", "untagged"];
const tagRules: ParamName[] = ["tag", "keep_tag", "keep_last", "keep_pushed_within", "keep_pulled_within"];

const LAST = "\u{10FFFF}";
/** The first repository name after `name` in byte order: nothing sorts between them (text holds no NUL). */
const next = (name: string) => `${name}\u0001`;

export type Window = [fromRegistry: string, fromRepository: string, uptoRegistry: string, uptoRepository: string];
const everything: Window = ["", "", LAST, LAST];

/** A rule deletes nothing unless it says what: at least one rule parameter. */
export function checkRule(values: Values) {
  const given = ruleParams.some((name) => values[name] !== undefined && values[name] !== false);
  if (given) return undefined;
  return {
    parameter: "tag",
    message: "the rule is empty: give at least one of tag, keep_tag, keep_last, keep_pushed_within, keep_pulled_within, untagged=true",
    allowed: params.tag.allowed,
  };
}

/** regstat.cleanup_plan's arguments for the rule and a window of repositories. */
export function planArgs(values: Values, window: Window): unknown[] {
  const judgeTags = tagRules.some((name) => values[name] !== undefined);
  return [
    values.registry,
    values.repository,
    ...window,
    judgeTags,
    values.tag ?? null,
    values.keep_tag ?? null,
    values.keep_last ?? null,
    values.keep_pushed_within ?? null,
    values.keep_pulled_within ?? null,
    values.untagged === true,
  ];
}

/**
 * Before a plan is read: the patterns are PostgreSQL regular expressions, and one it refuses is the
 * caller's mistake, named (a savepoint keeps the transaction usable). JIT compilation is off: it costs
 * seconds on the plan's large query and saves nothing. A registry-wide plan sorts and hashes a few hundred
 * thousand tags and manifests, and its totals a million digests: with PostgreSQL's default 4 MB each of those
 * spilled to disk, in many batches.
 */
export async function preparePlan(tx: Queryable, values: Values) {
  await setLocal(tx, { jit: "off", work_mem: "128MB" });
  for (const name of ["tag", "keep_tag"] as const) {
    const pattern = values[name];
    if (typeof pattern !== "string") continue;
    await tx.query("savepoint cleanup_pattern");
    try {
      await tx.query("select '' ~ $1::text", [pattern]);
      await tx.query("release savepoint cleanup_pattern");
    } catch (error) {
      await tx.query("rollback to savepoint cleanup_pattern");
      const reason = error instanceof Error ? error.message.slice(0, 200) : "refused";
      throw badRequest("invalid_parameter", `${name}: not a regular expression PostgreSQL accepts (${reason})`, {
        parameter: name,
        allowed: params[name].allowed,
      });
    }
  }
}

/**
 * Up to `limit` + 1 rows after `after`, read window by window: each window is the next repositories (a
 * growing number of them, as a rule may delete nothing in many), and `read` answers its rows in order.
 */
export async function readWindows(
  tx: Queryable,
  values: Values,
  after: Key,
  limit: number,
  read: (window: Window, want: number) => Promise<Row[]>,
): Promise<Row[]> {
  const rows: Row[] = [];
  let from: [string, string] = [String(after[0]), String(after[1])];
  for (let width = limit + 1; ; width = Math.min(width * 2, 5000)) {
    const repositories = await tx.query<{ registry: string; repository: string }>(queries.cleanupWindow, [
      values.registry,
      values.repository,
      ...from,
      width,
    ]);
    const last = repositories.at(-1);
    if (!last) return rows;
    rows.push(...(await read([...from, last.registry, last.repository], limit + 1 - rows.length)));
    if (rows.length > limit || repositories.length < width) return rows;
    from = [last.registry, next(last.repository)];
  }
}

export type Totals = { reclaimable_bytes: number; tags: number; manifests: number; kept_tags: number };

/** The whole plan's totals: what it deletes and keeps, and what a garbage collection then gets back. */
export async function planTotals(tx: Queryable, values: Values): Promise<Totals> {
  // The plan's rows are estimated at a few thousand where a registry-wide rule makes hundreds of thousands:
  // nested loops chosen for them probed an index per released digest, twice (sizes), and merge joins sorted
  // them again and again, and a million digests were counted by sorting them. Whole sets are hashed.
  await setLocal(tx, { enable_nestloop: "off", enable_mergejoin: "off", enable_sort: "off" });
  const [totals] = await tx.query<Totals>(queries.cleanupTotals, planArgs(values, everything));
  return totals!;
}

/** A page of the plan's rows (tags and manifests deleted), with the totals unless totals=false. */
export async function cleanupPage(tx: Queryable, values: Values, after: Key, limit: number) {
  await preparePlan(tx, values);
  const rows = await readWindows(tx, values, after, limit, (window, want) =>
    tx.query<Row>(queries.cleanupRows, [...planArgs(values, window), ...after, want]),
  );
  return { rows, fields: values.totals === false ? {} : { totals: await planTotals(tx, values) } };
}

/** A page of the plan per repository. */
export async function cleanupRepositoriesPage(tx: Queryable, values: Values, after: Key, limit: number) {
  await preparePlan(tx, values);
  const rows = await readWindows(tx, values, after, limit, (window, want) =>
    tx.query<Row>(queries.cleanupRepositories, [...planArgs(values, window), ...after, want]),
  );
  return { rows };
}

export type Step = { kind: string; registry: string; repository: string; tag: string | null; digest: string };

/** Every deletion of the plan, in the order a script applies them (cleanup_script.sql). */
export async function planSteps(tx: Queryable, values: Values): Promise<Step[]> {
  return tx.query<Step>(queries.cleanupScript, planArgs(values, everything));
}
