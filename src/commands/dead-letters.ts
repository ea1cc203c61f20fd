import { parseConfig } from "../config.ts";
import { pendingMigrations } from "../db/migrate.ts";
import { openDb } from "../db/open.ts";
import { replayDeadLetters, type DeadLetterRow } from "../dead-letters/replay.ts";
import { loadEquivRegistries, registryNames } from "../equiv-registries.ts";
import { pullCounting } from "../ingest/counted-pulls.ts";
import { createLogger } from "../log.ts";
import { toTable } from "../reports/format.ts";
import { queries } from "../sql.ts";

export const summary = "list the events regstat could not apply (--limit N, --format table|json); `regstat dead-letters replay` applies those today's rules accept";

/**
 * `regstat dead-letters` lists them, oldest first: when, the event's id, why. `regstat dead-letters replay`
 * runs each through today's rules (the server's flags: --equiv-registries, --ignore-pulls-from), as
 * `POST /dead-letters/replay` does.
 */
export async function run(args: string[]): Promise<number> {
  const { config, rest } = parseConfig(args, process.env, { allowUnknown: true });
  const replay = rest[0] === "replay";
  const options = readOptions(replay ? rest.slice(1) : rest);
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
      const rules = { names: registryNames(await loadEquivRegistries(config.equivRegistries)), pulls: pullCounting(config.ignorePullsFrom) };
      const result = await replayDeadLetters(db, rules, log);
      process.stdout.write(options.format === "json" ? `${JSON.stringify(result)}\n` : `applied ${result.applied}, already stored ${result.duplicates}, still dead ${result.kept}\n`);
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

function readOptions(args: string[]): { format: string; limit: number } | string {
  const options = { format: "table", limit: 100 };
  for (let i = 0; i < args.length; i++) {
    const match = /^--?(format|limit)(?:=(.*))?$/.exec(args[i]!);
    const value = match ? (match[2] ?? args[++i]) : undefined;
    if (!match || value === undefined) return `unknown argument ${JSON.stringify(args[i] ?? "")} (takes replay, --limit N, --format table|json and the service's flags)`;
    if (match[1] === "format" && value !== "table" && value !== "json") return "--format: must be table or json";
    if (match[1] === "limit" && !/^[1-9]\d{0,5}$/.test(value)) return "--limit: must be a whole number from 1 to 999999";
    if (match[1] === "format") options.format = value;
    else options.limit = Number(value);
  }
  return options;
}
