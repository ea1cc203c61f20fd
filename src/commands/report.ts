import { parseConfig } from "../config.ts";
import { pendingMigrations } from "../db/migrate.ts";
import { openDb } from "../db/open.ts";
import { AppError } from "../errors.ts";
import { commandFlags } from "../flags.ts";
import { reportsByName } from "../reports/catalogue.ts";
import { toCsv, toTable } from "../reports/format.ts";
import { describeReports, findReport, runReport, runScript } from "../reports/run.ts";

export const usage = "report <name> [--param value ...] [--format json|csv|table|script]";
export const summary = "print a report straight from the database";

/**
 * `regstat report` lists the reports; `regstat report <name> --days 30 --format csv` prints one. The
 * connection flags are the server's; the rest are the report's parameters, as the HTTP API takes them.
 */
export async function run(args: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const { config, rest } = parseConfig(args, env, { allowUnknown: true });
  const [name, ...extra] = rest.positional;
  if (name === undefined) {
    for (const report of describeReports()) {
      const options = report.parameters.map((p) => `--${p.name}`).join(" ");
      process.stdout.write(`${report.name}${options ? ` [${options}]` : ""}\n    ${report.description}\n`);
    }
    return rest.flags.length === 0 ? 0 : fail(`name the report (${[...reportsByName.keys()].join(", ")})`);
  }
  if (extra.length) return fail(`unexpected argument ${JSON.stringify(extra[0])}`);
  const given = commandFlags(rest.flags);
  if (typeof given === "string") return fail(given);
  let formats = ["json", "csv", "table"];
  try {
    if (findReport(name).script) formats = [...formats, "script"];
  } catch (error) {
    if (error instanceof AppError) return fail(explain(error));
    throw error;
  }
  const format = given.format ?? "json";
  delete given.format;
  if (!formats.includes(format)) return fail(`--format: must be ${formats.join(", ")} (got ${JSON.stringify(format)})`);

  const db = await openDb(config);
  try {
    if (await pendingMigrations(db)) return fail("the database schema is not up to date: run `regstat migrate` first");
    if (format === "script") {
      process.stdout.write(await runScript(db, name, given));
      return 0;
    }
    const answer = await runReport(db, name, given);
    const columns = Object.keys(findReport(name).columns);
    if (format === "json") process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    else process.stdout.write(format === "csv" ? toCsv(columns, answer.rows) : toTable(columns, answer.rows));
    if (format !== "json" && answer.next_cursor) process.stderr.write(`more rows: --cursor ${answer.next_cursor}\n`);
    if (format !== "json" && answer.totals) process.stderr.write(`totals: ${JSON.stringify(answer.totals)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof AppError) return fail(explain(error));
    throw error;
  } finally {
    await db.close();
  }
}

/** The message, and what the parameter allows (the HTTP answer's details). */
function explain(error: AppError): string {
  const allowed = (error.details as { allowed?: string | string[] } | undefined)?.allowed;
  if (allowed === undefined || error.message.includes("(got")) return error.message;
  return `${error.message} (allowed: ${Array.isArray(allowed) ? allowed.join(", ") : allowed})`;
}

function fail(message: string): number {
  process.stderr.write(`regstat report: ${message}\n`);
  return 2;
}
