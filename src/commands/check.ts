import { checkAggregates, describeDifference } from "../aggregates/check.ts";
import { parseConfig } from "../config.ts";
import { pendingMigrations } from "../db/migrate.ts";
import { openDb } from "../db/open.ts";

export const usage = "check";
export const summary = "recompute every figure the reports keep from scratch and report each difference (exit 1 if any)";

/** `regstat check`: exit 0 when every maintained figure equals its recomputation, 1 otherwise, 2 when it cannot tell. */
export async function run(args: string[]): Promise<number> {
  const { config, rest } = parseConfig(args, process.env, { allowUnknown: true });
  const extra = rest.positional[0] ?? (rest.flags[0] && `--${rest.flags[0].name}`);
  if (extra !== undefined) {
    process.stderr.write(`regstat check: unknown argument ${JSON.stringify(extra)} (takes the service's database flags)\n`);
    return 2;
  }
  const db = await openDb(config);
  try {
    if (await pendingMigrations(db)) {
      process.stderr.write("regstat check: the database schema is not up to date: run `regstat migrate` first\n");
      return 2;
    }
    const started = performance.now();
    const differences = await checkAggregates(db);
    for (const d of differences) process.stdout.write(`${describeDifference(d)}\n`);
    const took = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      differences.length
        ? `regstat check: ${differences.length} difference(s) between the kept figures and their recomputation (${took}s)\n`
        : `regstat check: every kept figure equals its recomputation (${took}s)\n`,
    );
    return differences.length ? 1 : 0;
  } finally {
    await db.close();
  }
}
