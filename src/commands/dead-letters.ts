import { parseConfig } from "../config.ts";
import { pendingMigrations } from "../db/migrate.ts";
import { openDb } from "../db/open.ts";
import { type DeadLetterRow, replayDeadLetters } from "../dead-letters/replay.ts";
import { loadEquivRegistries, registryNames } from "../equiv-registries.ts";
import { commandFlags, type Flag } from "../flags.ts";
import { pullCounting } from "../ingest/counted-pulls.ts";
import { createLogger } from "../log.ts";
import { toTable } from "../reports/format.ts";
import { queries } from "../sql.ts";

export const usage = "dead-letters [replay] [--limit N] [--format table|json]";
export const summary = "list the events regstat could not apply; `replay` applies those today's rules accept";

/**
 * `regstat dead-letters` lists them, oldest first: when, the event's id, why. `regstat dead-letters replay`
 * runs each through today's rules (the server's flags: --equiv-registries, --ignore-pulls-from), as
 * `POST /dead-letters/replay` does.
 */
export async function run(args: string[]): Promise<number> {
  const { config, rest } = parseConfig(args, process.env, { allowUnknown: true });
  const replay = rest.positional[0] === "replay";
  const options = readOptions(rest.positional.slice(replay ? 1 : 0), rest.flags);
  if (typeof options === "string") {
    process.stderr.write(`regstat dead-letters: ${options}\n`);
    return 2;
  }
  const log = createLogger({ level: config.logLevel, json: config.logJson || undefined });
  const db = await openDb(config);
  try {
    if (await pendingMigrations(db)) {
      process.stderr.write("regstat dead-letters: the database schema is not up to date: run `regstat migrate` first\n");
      return 2;
    }
    if (replay) {
      const rules = {
        names: registryNames(await loadEquivRegistries(config.equivRegistries)),
        pulls: pullCounting(config.ignorePullsFrom),
      };
      const result = await replayDeadLetters(db, rules, log);
      process.stdout.write(
        options.format === "json"
          ? `${JSON.stringify(result)}\n`
          : `applied ${result.applied}, already stored ${result.duplicates}, still dead ${result.kept}\n`,
      );
      return 0;
    }
    const rows = (await db.query<DeadLetterRow>(queries.selectDeadLetters, [null, "", options.limit])).map(describe);
    if (options.format === "json") process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else process.stdout.write(rows.length ? toTable(["received", "id", "action", "repository", "reason"], rows) : "no dead letters\n");
    return 0;
  } finally {
    await db.close();
  }
}

function describe(row: DeadLetterRow) {
  const event = (row.event ?? {}) as { action?: unknown; target?: { repository?: unknown } };
  const text = (value: unknown) => (typeof value === "string" ? value.slice(0, 80) : null);
  return {
    received: row.received.toISOString(),
    id: row.id,
    action: text(event.action),
    repository: text(event.target?.repository),
    reason: row.reason,
  };
}

function readOptions(positional: string[], flags: Flag[]): { format: string; limit: number } | string {
  const own = commandFlags(flags, ["format", "limit"]);
  const takes = "(takes replay, --limit N, --format table|json and the service's flags)";
  if (typeof own === "string") return `${own} ${takes}`;
  if (positional.length) return `unknown argument ${JSON.stringify(positional[0])} ${takes}`;
  const { format = "table", limit = "100" } = own;
  if (format !== "table" && format !== "json") return "--format: must be table or json";
  if (!/^[1-9]\d{0,5}$/.test(limit)) return "--limit: must be a whole number from 1 to 999999";
  return { format, limit: Number(limit) };
}
