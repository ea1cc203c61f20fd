import { parseConfig } from "../config.ts";
import { migrate } from "../db/migrate.ts";
import { openDb } from "../db/open.ts";

export const usage = "migrate";
export const summary = "apply the database migrations and exit";

export async function run(args: string[]): Promise<number> {
  const { config } = parseConfig(args);
  const db = await openDb(config);
  try {
    const applied = await migrate(db);
    process.stdout.write(applied.length ? `applied migrations ${applied.join(", ")}\n` : "the schema is up to date\n");
    return 0;
  } finally {
    await db.close();
  }
}
