import { parseConfig } from "../config.ts";
import { migrate } from "../db/migrate.ts";
import { openDb } from "../db/open.ts";
import { commandFlags } from "../flags.ts";
import { createLogger } from "../log.ts";
import { createRegistryContext } from "../registry/context.ts";
import { runSync, type SyncSummary, terminalProgress } from "../registry/sync.ts";

export const usage = "sync [--format text|json]";
export const summary = "reconcile the database with the registries (--registry-url)";

/** `regstat sync [--format text|json]`: exit 0 when every repository was reconciled, 1 otherwise. */
export async function run(args: string[]): Promise<number> {
  const { config, rest } = parseConfig(args, process.env, { allowUnknown: true });
  const own = commandFlags(rest.flags, ["format"]);
  const format = typeof own === "string" ? undefined : (own.format ?? "text");
  if (rest.positional.length || (format !== "text" && format !== "json")) {
    const problem =
      typeof own === "string"
        ? own
        : rest.positional.length
          ? `unknown argument ${JSON.stringify(rest.positional[0])}`
          : "--format: must be text or json";
    process.stderr.write(`regstat sync: ${problem} (takes the service's flags and --format text|json)\n`);
    return 2;
  }
  if (!config.registryUrl.length) {
    process.stderr.write("regstat sync: name the registries to reconcile with --registry-url (repeatable)\n");
    return 2;
  }
  const log = createLogger({ level: config.logLevel, json: config.logJson || undefined });
  const db = await openDb(config);
  try {
    await migrate(db);
    const registry = await createRegistryContext(config, log);
    const progress = terminalProgress();
    const result = await runSync({ db, registry, registryUrls: config.registryUrl, log, progress }).finally(() => progress?.done());
    process.stdout.write(format === "json" ? `${JSON.stringify(result, null, 2)}\n` : text(result));
    return result.errors ? 1 : 0;
  } finally {
    await db.close();
  }
}

function text(result: SyncSummary): string {
  return result.registries
    .map((r) => {
      const lines = [
        `${r.registry} (${r.url}): ${r.repositories} repositories`,
        `  manifests +${r.manifests.added} -${r.manifests.deleted}   blobs +${r.blobs.added} -${r.blobs.deleted}   ` +
          `tags +${r.tags.added} ~${r.tags.moved} -${r.tags.deleted}   fetched ${r.fetched}`,
        ...r.errors.map((e) => `  error: ${e.repository ? `${e.repository}: ` : ""}${e.error}`),
      ];
      return `${lines.join("\n")}\n`;
    })
    .join("");
}
