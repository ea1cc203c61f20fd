/**
 * The compiled executable's size, start-to-ready time (spawn until /readyz answers 200) and idle resident
 * memory (3 s after ready, and 20 s after, once the collector has returned what start-up used), on the
 * embedded database (fresh and existing data directory) and on PostgreSQL.
 * Run: bun bench/startup.ts [runs]   (REGSTAT_TEST_PG names a PostgreSQL; else a throwaway cluster is started)
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { freshPostgresDatabase } from "../test/support/db.ts";
import { freePort } from "../test/support/free-port.ts";
import { postgresServer } from "../test/support/postgres-cluster.ts";
import { buildExecutable, installAlone, rssKiB, startExecutable } from "../test/packaging/binary.ts";

const runs = Number(process.argv[2] ?? 3);
const SAMPLES_MS = [3000, 20000];

const executable = buildExecutable();
const postgres = await postgresServer();
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
console.log(`executable: ${mib(statSync(executable.path).size)} MiB (${statSync(executable.path).size} bytes), Bun ${Bun.version}`);

type Case = { name: string; prepare(dir: string): Promise<string[]> };
const cases: Case[] = [
  { name: "PGlite, fresh data dir", prepare: async (dir) => ["-data-dir", join(dir, `data-${Math.random()}`)] },
  { name: "PGlite, existing data dir", prepare: async (dir) => ["-data-dir", join(dir, "data")] },
  { name: "PostgreSQL, fresh database", prepare: async () => ["-pg-conn-str", (await freshPostgresDatabase(postgres.url)).url] },
];

const { dir, bin, cleanup } = installAlone(executable.path);
// The existing data directory: created (and migrated) once before it is measured.
await measure(bin, dir, ["-data-dir", join(dir, "data")]);

for (const c of cases) {
  const ready: number[] = [];
  const rss: number[][] = SAMPLES_MS.map(() => []);
  for (let i = 0; i < runs; i++) {
    const sample = await measure(bin, dir, await c.prepare(dir));
    ready.push(sample.readyMs);
    sample.rssKiB.forEach((kib, j) => rss[j]!.push(kib / 1024));
  }
  console.log(`${c.name}: ready ${summary(ready, "ms")}`);
  SAMPLES_MS.forEach((ms, j) => console.log(`  RSS ${ms / 1000} s after ready: ${summary(rss[j]!, "MiB")}`));
}
cleanup();
executable.cleanup();
await postgres.stop();

async function measure(bin: string, cwd: string, args: string[]) {
  const port = freePort();
  const running = await startExecutable(bin, { cwd, args: ["-port", String(port), ...args], port });
  const rss: number[] = [];
  let slept = 0;
  for (const at of SAMPLES_MS) {
    await Bun.sleep(at - slept);
    slept = at;
    rss.push(await rssKiB(running.proc.pid));
  }
  running.proc.kill("SIGTERM");
  if ((await running.proc.exited) !== 0) throw new Error(await running.stderr());
  return { readyMs: running.readyMs, rssKiB: rss };
}

function summary(values: number[], unit: string) {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `median ${median.toFixed(0)} ${unit} (min ${sorted[0]!.toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)}, n=${values.length})`;
}
