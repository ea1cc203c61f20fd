import { $ } from "bun";
import { join } from "node:path";
import type { Cluster } from "../test/support/postgres-cluster.ts";

const scripts = join(import.meta.dir, "ceiling");

/**
 * The database's own ceiling for regstat's work done one transaction per event: pgbench, 32 clients,
 * blob events and manifest-by-tag events in the workload's proportions (about 30 to 8), on a migrated
 * database of its own in the same cluster.
 */
export async function measureCeiling(cluster: Cluster, o: { clients: number; seconds: number }) {
  const database = "ceiling";
  await cluster.createDatabase(database);
  await $`bun src/main.ts migrate --pg-conn-str ${cluster.urlFor(database)}`.cwd(join(import.meta.dir, "..")).quiet();
  const out = await $`${cluster.bin}/pgbench -h 127.0.0.1 -p ${cluster.port} -U ${cluster.user} -n -M prepared -c ${o.clients} -j 2 -T ${o.seconds} -f ${join(scripts, "blob-event.pgbench")}@30 -f ${join(scripts, "manifest-event.pgbench")}@8 ${database}`.text();
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
  const latency = /latency average = ([\d.]+) ms/.exec(out);
  if (!tps) throw new Error(`pgbench printed no tps:\n${out}`);
  return { tps: Number(tps[1]), latencyMs: latency ? Number(latency[1]) : NaN };
}
