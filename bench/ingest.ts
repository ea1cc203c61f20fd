// `npm run bench:ingest`: regstat's ingest speed and memory on a throwaway PostgreSQL cluster and on the
// embedded database, as ratios to PostgreSQL's own cost of a durable commit measured first, in the same
// run, on the same cluster. README.md ("Ingest speed") says what each figure means.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import type { Db } from "../src/db/db.ts";
import { openPglite } from "../src/db/pglite.ts";
import { openPostgres } from "../src/db/postgres.ts";
import { startCluster } from "../test/support/postgres-cluster.ts";
import { regstatProcess } from "../test/support/regstat-process.ts";
import { checkStoredOnce, type StoredOnce } from "./check.ts";
import { cpuSeconds, machineBusySeconds, treeCpuSeconds } from "./cpu.ts";
import { type Floor, measureFloor } from "./floor.ts";
import { type SendFigures, send } from "./send.ts";
import type { Mix } from "./workload.ts";

const CONCURRENT = 32;
// `--quick` (a smoke run while working on ingest) cuts every phase to a fifth; its figures are noisier.
const scale = process.argv.includes("--quick") ? 0.2 : 1;
const secs = (s: number) => Math.max(1, Math.round(s * scale));
const seconds = { floor: secs(10), warmup: secs(3), serial: secs(20), concurrent: secs(20), push: secs(15), embedded: secs(10) };

const work = mkdtempSync(join(tmpdir(), "regstat-bench-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
const run = crypto.randomUUID().slice(0, 8);
const fmt = (n: number, digits = 0) => n.toFixed(digits);
const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

type Phase = { label: string; mix: Mix; senders: number; seconds: number };
type Measured = { figures: Record<string, SendFigures>; rssMb: number; check: StoredOnce };

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
  const cpu =
    `regstat ${perEvent(used.regstat)} ms` +
    (postmasterPid ? `, PostgreSQL ${perEvent(used.db)} ms` : "") +
    `, sender ${perEvent(figures.cpuSeconds)} ms; other processes ${fmt(Math.max(0, others) / figures.seconds, 2)} cores, load ${load()}`;
  return { figures, cpu };
}

/** A warm-up, then each phase against one regstat process; then the stored-once check over all of them. */
async function measure(name: string, args: string[], open: () => Promise<Db>, phases: Phase[], postmasterPid?: number) {
  const ids = join(work, `${name}.ids`);
  // Errors only, passed through: logging every request would cost regstat CPU the figures should not include.
  const regstat = regstatProcess(["--log-level", "error", ...args], { echo: true });
  await regstat.start();
  const figures: Record<string, SendFigures> = {};
  let getPulls = 0;
  let rssMb: number;
  try {
    for (const p of [{ label: "warm-up", mix: "realistic", senders: 1, seconds: seconds.warmup } as Phase, ...phases]) {
      const scope = `${run}-${name}-${p.label.replace(/\W+/g, "-")}`;
      const { figures: f, cpu } = await sendMeasured(
        { url: regstat.url, senders: p.senders, seconds: p.seconds, scope, ids, mix: p.mix },
        regstat.pid(),
        postmasterPid,
      );
      getPulls += f.getPulls;
      if (p.label === "warm-up") continue;
      figures[p.label] = f;
      console.log(
        `  ${p.label.padEnd(26)} ${fmt(f.eps).padStart(6)} events/s  p50 ${fmt(f.p50, 2)} ms  p99 ${fmt(f.p99, 2)} ms  ` +
          `max ${fmt(f.max, 1)} ms  (${f.events} events in ${fmt(f.seconds, 1)} s, ${f.retries} resent)`,
      );
      console.log(`  ${"".padEnd(26)} CPU per event: ${cpu}`);
    }
    rssMb = regstat.peakRssMb();
  } finally {
    await regstat.stop();
  }
  const db = await open();
  const check = await checkStoredOnce(db, ids, getPulls);
  await db.close();
  console.log(
    `  peak RSS ${fmt(rssMb, 1)} MB; ${check.sent} events sent, ${check.lost} lost, ${check.duplicated} duplicated ` +
      `(GET pulls sent ${check.pullsSent}, counted ${check.pullsCounted})`,
  );
  return { figures, rssMb, check } satisfies Measured;
}

const serialX = (f: SendFigures, floor: Floor) => ({ p50: f.p50 / floor.latencyMs, p99: f.p99 / floor.latencyMs });
const concurrentX = (f: SendFigures, floor: Floor) => f.eps / floor.tps;

function ratios(label: string, serial: SendFigures, concurrent: SendFigures, floor1: Floor, floor32: Floor) {
  const s = serialX(serial, floor1);
  console.log(
    `  ${label}: 1 sender p50 ${fmt(s.p50, 1)}x, p99 ${fmt(s.p99, 1)}x the floor's commit (targets 3x, 8x); ` +
      `${CONCURRENT} senders ${fmt(concurrentX(concurrent, floor32), 2)}x the floor's ${CONCURRENT}-client tps (target 1.0x)`,
  );
}

const phases = (mix: Mix, serial: number, concurrent: number): Phase[] => [
  { label: `${mix}, 1 sender`, mix, senders: 1, seconds: serial },
  { label: `${mix}, ${CONCURRENT} senders`, mix, senders: CONCURRENT, seconds: concurrent },
];

console.log(
  `regstat ingest benchmark: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), sender, regstat and database on this machine; load ` +
    `${load()}`,
);
// Durability at PostgreSQL's defaults (fsync, synchronous_commit on): every figure means committed to disk.
const cluster = await startCluster();
let floor1: Floor, floor32: Floor, pg: Measured;
try {
  console.log(`PostgreSQL 15 (throwaway cluster on port ${cluster.port}, fsync and synchronous_commit on)`);
  floor1 = await measureFloor(cluster, { clients: 1, seconds: seconds.floor });
  console.log(
    `  floor, 1 client            ${fmt(floor1.tps).padStart(6)} commits/s  ${fmt(floor1.latencyMs, 3)} ms a commit ` +
      `(pgbench, a one-row insert per transaction; load ${load()})`,
  );
  floor32 = await measureFloor(cluster, { clients: CONCURRENT, seconds: seconds.floor });
  console.log(
    `  floor, ${CONCURRENT} clients          ${fmt(floor32.tps).padStart(6)} commits/s  ${fmt(floor32.latencyMs, 3)} ms a commit ` +
      `(load ${load()})`,
  );

  await cluster.createDatabase("regstat");
  const url = cluster.urlFor("regstat");
  pg = await measure(
    "postgres",
    ["--pg-conn-str", url],
    async () => openPostgres(url, { max: 1 }),
    [...phases("realistic", seconds.serial, seconds.concurrent), ...phases("push", seconds.push, seconds.push)],
    cluster.postmasterPid(),
  );
} finally {
  await cluster.destroy();
}
ratios("realistic mix", pg.figures["realistic, 1 sender"]!, pg.figures[`realistic, ${CONCURRENT} senders`]!, floor1, floor32);
ratios("push-heavy mix", pg.figures["push, 1 sender"]!, pg.figures[`push, ${CONCURRENT} senders`]!, floor1, floor32);

const dataDir = join(work, "pglite");
console.log(`embedded PostgreSQL (PGlite, --data-dir ${dataDir}; PGlite runs without fsync)`);
const embedded = await measure(
  "pglite",
  ["--data-dir", dataDir],
  () => openPglite(dataDir),
  phases("realistic", seconds.embedded, seconds.embedded),
);
ratios(
  "embedded, realistic mix",
  embedded.figures["realistic, 1 sender"]!,
  embedded.figures[`realistic, ${CONCURRENT} senders`]!,
  floor1,
  floor32,
);

const realistic = serialX(pg.figures["realistic, 1 sender"]!, floor1);
const push = serialX(pg.figures["push, 1 sender"]!, floor1);
console.log(
  `ingest: floor_ms=${fmt(floor1.latencyMs, 3)} serial_p50_x=${fmt(realistic.p50, 2)} serial_p99_x=${fmt(realistic.p99, 2)} ` +
    `concurrent_x=${fmt(concurrentX(pg.figures[`realistic, ${CONCURRENT} senders`]!, floor32), 2)} ` +
    `push_serial_p50_x=${fmt(push.p50, 2)} push_concurrent_x=${fmt(concurrentX(pg.figures[`push, ${CONCURRENT} senders`]!, floor32), 2)} ` +
    `rss_mb=${fmt(pg.rssMb, 1)} lost=${pg.check.lost + embedded.check.lost} duplicated=${pg.check.duplicated + embedded.check.duplicated}`,
);
