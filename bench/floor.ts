import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { $ } from "bun";
import type { Cluster } from "../test/support/postgres-cluster.ts";

export type Floor = { clients: number; tps: number; latencyMs: number };

/**
 * PostgreSQL's own cost of one durable commit, the floor regstat is measured against: pgbench, a one-row
 * insert per transaction (prepared), `clients` at once, in a database of its own on the same cluster.
 */
export async function measureFloor(cluster: Cluster, o: { clients: number; seconds: number }): Promise<Floor> {
  const database = `floor_${o.clients}`;
  await cluster.createDatabase(database);
  const psql = `${cluster.bin}/psql`;
  await $`${psql} -X -q -h 127.0.0.1 -p ${cluster.port} -U ${cluster.user} -d ${database} -c ${"create table floor (id bigint generated always as identity primary key, n integer not null, at timestamptz not null default now())"}`.quiet();
  const dir = mkdtempSync(join(tmpdir(), "regstat-floor-"));
  const script = join(dir, "insert.pgbench");
  writeFileSync(script, "\\set n random(1, 1000000000)\ninsert into floor (n) values (:n);\n");
  try {
    const threads = Math.min(o.clients, 2);
    const out =
      await $`${cluster.bin}/pgbench -h 127.0.0.1 -p ${cluster.port} -U ${cluster.user} -n -M prepared -c ${o.clients} -j ${threads} -T ${o.seconds} -f ${script} ${database}`.text();
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
    const latency = /latency average = ([\d.]+) ms/.exec(out);
    if (!tps || !latency) throw new Error(`pgbench printed no tps or latency:\n${out}`);
    return { clients: o.clients, tps: Number(tps[1]), latencyMs: Number(latency[1]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
