import { $ } from "bun";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Cluster } from "../test/support/postgres-cluster.ts";

const scripts = join(import.meta.dir, "ceiling");

/**
 * The database's own ceiling for regstat's work done one transaction per event: pgbench, 32 clients,
 * blob events and manifest-by-tag events in the workload's proportions (about 30 to 8), on a migrated
 * database of its own in the same cluster. `counters: false` leaves out the per-day activity counts,
 * whose few hot rows are what one transaction per event contends on most: a lighter reference.
 */
export async function measureCeiling(cluster: Cluster, o: { clients: number; seconds: number; counters: boolean }) {
  const database = o.counters ? "ceiling" : "ceiling_light";
  await cluster.createDatabase(database);
  await $`bun src/main.ts migrate --pg-conn-str ${cluster.urlFor(database)}`.cwd(join(import.meta.dir, "..")).quiet();
  const [blob, manifest] = o.counters
    ? [join(scripts, "blob-event.pgbench"), join(scripts, "manifest-event.pgbench")]
    : await Promise.all(["blob-event", "manifest-event"].map(withoutCounters));
  const out = await $`${cluster.bin}/pgbench -h 127.0.0.1 -p ${cluster.port} -U ${cluster.user} -n -M prepared -c ${o.clients} -j 2 -T ${o.seconds} -f ${blob}@30 -f ${manifest}@8 ${database}`.text();
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
  const latency = /latency average = ([\d.]+) ms/.exec(out);
  if (!tps) throw new Error(`pgbench printed no tps:\n${out}`);
  return { tps: Number(tps[1]), latencyMs: latency ? Number(latency[1]) : NaN };
}

const light = mkdtempSync(join(tmpdir(), "regstat-ceiling-"));

async function withoutCounters(name: string) {
  const text = await Bun.file(join(scripts, `${name}.pgbench`)).text();
  const path = join(light, `${name}.pgbench`);
  await Bun.write(path, text.replace(/-- per-day activity counts[\s\S]*?-- end of per-day activity counts\n/, ""));
  return path;
}
