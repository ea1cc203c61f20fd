// `npm run bench:ingest`: regstat's ingest speed and memory on a throwaway PostgreSQL cluster and on the
// embedded database, against the database's own one-transaction-per-event ceiling. See
// docs-drafts/ingest-speed.md for what each figure means.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { openPglite } from "../src/db/pglite.ts";
import { openPostgres } from "../src/db/postgres.ts";
import type { Db } from "../src/db/db.ts";
import { measureCeiling } from "./ceiling.ts";
import { checkStoredOnce, type StoredOnce } from "./check.ts";
import { startCluster } from "../test/support/postgres-cluster.ts";
import { regstatProcess } from "../test/support/regstat-process.ts";
import { cpuSeconds, machineBusySeconds, treeCpuSeconds } from "./cpu.ts";
import { send, type SendFigures } from "./send.ts";

const CONCURRENT = 32;
// `--quick` (a smoke run while working on ingest) cuts every phase to a fifth; its figures are noisier.
const scale = process.argv.includes("--quick") ? 0.2 : 1;
const seconds = Object.fromEntries(
  Object.entries({ warmup: 3, serial: 20, concurrent: 20, ceiling: 20, embeddedSerial: 10, embeddedConcurrent: 15 })
    .map(([phase, s]) => [phase, Math.max(1, Math.round(s * scale))]),
) as Record<"warmup" | "serial" | "concurrent" | "ceiling" | "embeddedSerial" | "embeddedConcurrent", number>;

const work = mkdtempSync(join(tmpdir(), "regstat-bench-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
const run = crypto.randomUUID().slice(0, 8);
const fmt = (n: number, digits = 0) => n.toFixed(digits);
const line = (label: string, f: SendFigures) =>
  console.log(
    `  ${label.padEnd(26)} ${fmt(f.eps).padStart(6)} events/s  p50 ${fmt(f.p50, 2)} ms  p99 ${fmt(f.p99, 2)} ms  ` +
      `max ${fmt(f.max, 1)} ms  (${f.events} events in ${fmt(f.seconds, 1)} s, ${f.retries} resent)`,
  );

/**
 * Where the cores went during a phase, per event: regstat, the database server, the sender; and how much
 * other processes on the machine took meanwhile, which says how noisy the figures are.
 */
async function sendMeasured(o: Parameters<typeof send>[0], regstatPid: number, postmasterPid?: number) {
  const db = () => (postmasterPid ? treeCpuSeconds(postmasterPid) : 0);
  const before = { regstat: cpuSeconds(regstatPid), db: db(), machine: machineBusySeconds() };
  const figures = await send(o);
  const used = { regstat: cpuSeconds(regstatPid) - before.regstat, db: db() - before.db };
  const others = machineBusySeconds() - before.machine - used.regstat - used.db - figures.cpuSeconds;
  const perEvent = (seconds: number) => fmt((seconds * 1000) / figures.events, 3);
  const cpu = `regstat ${perEvent(used.regstat)} ms` +
    (postmasterPid ? `, PostgreSQL ${perEvent(used.db)} ms` : "") +
    `, sender ${perEvent(figures.cpuSeconds)} ms; other processes ${fmt(Math.max(0, others) / figures.seconds, 2)} cores`;
  return { figures, cpu };
}

type Measured = { serial: SendFigures; concurrent: SendFigures; rssMb: number; check: StoredOnce };

/** Warm-up, one sender, then 32 senders against one regstat process; then the stored-once check. */
async function measure(
  name: string,
  args: string[],
  open: () => Promise<Db>,
  s: { serial: number; concurrent: number; postmasterPid?: number },
) {
  const ids = join(work, `${name}.ids`);
  // Errors only, passed through: logging every request would cost regstat CPU the figures should not include.
  const regstat = regstatProcess(["--log-level", "error", ...args], { echo: true });
  await regstat.start();
  const url = regstat.url;
  const phase = async (senders: number, phaseSeconds: number, label: string) => {
    const { figures, cpu } = await sendMeasured(
      { url, senders, seconds: phaseSeconds, scope: `${run}-${name}-${label.replace(/\W+/g, "-")}`, ids },
      regstat.pid(),
      s.postmasterPid,
    );
    if (label !== "warm") {
      line(label, figures);
      console.log(`  ${"".padEnd(26)} CPU per event: ${cpu}`);
    }
    return figures;
  };
  let warm: SendFigures, serial: SendFigures, concurrent: SendFigures, rssMb: number;
  try {
    warm = await phase(1, seconds.warmup, "warm");
    serial = await phase(1, s.serial, "1 sender");
    concurrent = await phase(CONCURRENT, s.concurrent, `${CONCURRENT} senders`);
    rssMb = regstat.peakRssMb();
  } finally {
    await regstat.stop();
  }
  const db = await open();
  const check = await checkStoredOnce(db, ids, warm.getPulls + serial.getPulls + concurrent.getPulls);
  await db.close();
  console.log(`  peak RSS ${fmt(rssMb, 1)} MB; ${check.sent} events sent, ${check.lost} lost, ${check.duplicated} duplicated ` +
    `(GET pulls sent ${check.pullsSent}, counted ${check.pullsCounted})`);
  return { serial, concurrent, rssMb, check } satisfies Measured;
}

console.log(`regstat ingest benchmark: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), sender, regstat and database on this machine`);
// Durability at PostgreSQL's defaults (fsync, synchronous_commit on): every figure means committed to disk.
const cluster = await startCluster();
let pg: Measured;
let ceiling: { tps: number; latencyMs: number };
let lightCeiling: { tps: number; latencyMs: number };
try {
  await cluster.createDatabase("regstat");
  const url = cluster.urlFor("regstat");
  console.log(`PostgreSQL 15 (throwaway cluster on port ${cluster.port}, fsync and synchronous_commit on)`);
  pg = await measure("postgres", ["--pg-conn-str", url], async () => openPostgres(url, { max: 1 }), {
    ...seconds,
    postmasterPid: cluster.postmasterPid(),
  });

  ceiling = await measureCeiling(cluster, { clients: CONCURRENT, seconds: seconds.ceiling, counters: true });
  console.log(`  database ceiling           ${fmt(ceiling.tps).padStart(6)} transactions/s (pgbench, one event a transaction, ` +
    `${CONCURRENT} clients, latency ${fmt(ceiling.latencyMs, 2)} ms)`);
  lightCeiling = await measureCeiling(cluster, { clients: CONCURRENT, seconds: seconds.ceiling, counters: false });
  console.log(`  without the per-day counts ${fmt(lightCeiling.tps).padStart(6)} transactions/s (the same, less the activity ` +
    `counts' hot rows: a lighter reference)`);
} finally {
  await cluster.destroy();
}

const dataDir = join(work, "pglite");
console.log(`embedded PostgreSQL (PGlite, --data-dir ${dataDir})`);
const embedded = await measure("pglite", ["--data-dir", dataDir], () => openPglite(dataDir), {
  serial: seconds.embeddedSerial,
  concurrent: seconds.embeddedConcurrent,
});

const ratio = pg.concurrent.eps / ceiling.tps;
console.log(`${CONCURRENT} senders / database ceiling: ${fmt(ratio, 2)}x ` +
  `(${fmt(pg.concurrent.eps / lightCeiling.tps, 2)}x the lighter reference without the per-day counts)`);
console.log(
  `ingest: serial_p99_ms=${fmt(pg.serial.p99, 2)} concurrent_eps=${fmt(pg.concurrent.eps)} ceiling_tps=${fmt(ceiling.tps)} ` +
    `ratio=${fmt(ratio, 2)} rss_mb=${fmt(pg.rssMb, 1)} lost=${pg.check.lost + embedded.check.lost} ` +
    `duplicated=${pg.check.duplicated + embedded.check.duplicated}`,
);
