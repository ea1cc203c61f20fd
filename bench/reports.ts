/**
 * Times the first page of every report on a generated registry (bench/reports-data.ts).
 *
 *   npm run bench:reports                       PostgreSQL: a throwaway cluster, or REGSTAT_BENCH_PG
 *   npm run bench:reports -- --db pglite        the embedded database, at --scale 0.1 unless told
 *   npm run bench:reports -- --db pglite --data-dir <dir>   ... in <dir>: generated there if empty, reused after
 *   options: --scale <x> (1 = the full size), --runs <n> (default 15), --explain (print each plan),
 *            --generate-only (generate and migrate, then stop: a data directory or database to copy),
 *            --only <report,...> (time these reports only, and the cleanup totals only if cleanup is one of them)
 *
 * With REGSTAT_BENCH_PG or --data-dir, a database that already holds the generated registry at this scale is
 * reused as it is (the bursts of earlier runs included); one that holds anything else is refused.
 * The registry is generated as an earlier regstat left it (migrations up to 10), then migration 11 computes
 * its live figures, timed. Before each timed page a burst of writes goes through the ingest (reports-burst.ts),
 * so every page is read live, right after the figures it shows moved.
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import type { Db } from "../src/db/db.ts";
import { migrate } from "../src/db/migrate.ts";
import { openPglite } from "../src/db/pglite.ts";
import { openPostgres } from "../src/db/postgres.ts";
import { Ingestor } from "../src/ingest/ingestor.ts";
import { silentLogger } from "../src/log.ts";
import { reports } from "../src/reports/catalogue.ts";
import { parseParams, runReport } from "../src/reports/run.ts";
import { migrations } from "../src/sql.ts";
import { startCluster } from "../test/support/postgres-cluster.ts";
import { bursts } from "./reports-burst.ts";
import { generate, sizes } from "./reports-data.ts";

const { values: opts } = parseArgs({
  options: {
    db: { type: "string", default: "postgres" },
    scale: { type: "string" },
    runs: { type: "string", default: "15" },
    explain: { type: "boolean", default: false },
    "data-dir": { type: "string" },
    "generate-only": { type: "boolean", default: false },
    only: { type: "string" },
  },
});
if (opts["data-dir"] && opts.db !== "pglite") throw new Error("--data-dir is the embedded database's (--db pglite)");
const scale = Number(opts.scale ?? (opts.db === "pglite" ? 0.1 : 1));
const runs = Number(opts.runs);
const log = (line: string) => process.stderr.write(`${line}\n`);

// The first page each report answers when asked with these (the ones that need a parameter get a usual one).
// The cleanup rule is registry-wide; its first page is timed without the totals, which are timed after.
const cleanupRule = { keep_last: "3", untagged: "true" };
const firstPage: Record<string, Record<string, string>> = {
  "older-than": { days: "90" },
  "not-pulled": { days: "30" },
  cleanup: { ...cleanupRule, totals: "false" },
  "cleanup-repositories": cleanupRule,
};

// The settings stated beside the figures; the rest is PostgreSQL's default.
const SETTINGS = { settings: { shared_buffers: "1GB", fsync: "off", max_wal_size: "4GB" } };
let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;
let db: Db;
if (opts.db === "pglite") {
  // Not the template (every migration applied): the registry is generated as an earlier regstat left it.
  db = await openPglite(opts["data-dir"], { template: false });
} else {
  const url = process.env.REGSTAT_BENCH_PG || (cluster = await startCluster(SETTINGS)).url;
  db = openPostgres(url, { max: 2 });
}

try {
  // Before migration 11 (timed below), with what today's ingest writes besides (000015's events.clamped_from).
  await migrate(
    db,
    migrations.filter((m) => m.version <= 10 || m.version === 15),
  );
  const held = await generated(db, scale);
  if (held === "complete") log(`reusing the registry generated at scale ${scale} already in the database`);
  else if (held === "other") throw new Error(`the database holds something other than the registry generated at scale ${scale}`);
  else {
    log(`generating ${JSON.stringify(sizes(scale))} on ${db.kind}`);
    const started = performance.now();
    await generate(db, scale, log);
    await db.exec("vacuum analyze");
    log(`generated in ${((performance.now() - started) / 1000).toFixed(0)}s`);
  }
  const migrating = performance.now();
  const applied = await migrate(db);
  if (applied.includes(11)) {
    console.log(
      `# migration 11 computed the live figures of this registry in ${((performance.now() - migrating) / 1000).toFixed(1)}s ` +
        `(load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(" ")})`,
    );
    await db.exec("vacuum analyze");
  }
  if (opts["generate-only"]) log(`generated and migrated; --generate-only: no report timed`);
  else await measure(db);
} finally {
  await db.close();
  await cluster?.destroy();
}

/** The plan of a report's first page, with the tables it reads whole (Seq Scan) called out. */
async function explain(db: Db, name: string, params: Record<string, string>) {
  const report = reports.find((r) => r.name === name)!;
  const { sql, args } = report;
  if (!sql || !args) return log(`--- ${name}: several queries, no single plan to show`);
  const { values, after, limit } = parseParams(report, params);
  const plan = await db.transaction(
    (tx) => tx.query<{ "QUERY PLAN": string }>(`explain (analyze, buffers off, costs off) ${sql}`, args(values, after, limit + 1)),
    { readOnly: true },
  );
  const lines = plan.map((row) => row["QUERY PLAN"]);
  const whole = lines.filter((line) => /Seq Scan/.test(line)).map((line) => line.trim());
  log(`--- ${name}: ${whole.length ? `reads whole tables: ${whole.join("; ")}` : "no sequential scan"}`);
  log(lines.join("\n"));
}

/** Each report's first page, each right after a burst of writes; then the cleanup plan's totals. */
async function measure(db: Db) {
  const ingestor = new Ingestor(db, silentLogger);
  const burst = bursts(scale);
  const burstTimes: number[] = [];
  const writeBurst = async () => {
    const started = performance.now();
    await ingestor.submit(burst());
    burstTimes.push(performance.now() - started);
  };
  console.log(
    `# ${db.kind}, scale ${scale}, ${runs} runs per report after 2 warm-up runs, each right after a burst of ` +
      `writes (8 image pushes with their blobs and mounts, 3 deletes: 44 events in one transaction); load average ` +
      `${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")} at the start`,
  );

  // On PGlite the database runs in this process, so its CPU time is the report's own cost, which the load
  // average (other processes' work) stretches less than the wall time.
  const cpu = db.kind === "pglite";
  const results: { name: string; p50: number; p95: number }[] = [];
  const only = opts.only?.split(",");
  for (const report of reports.filter((r) => !only || only.includes(r.name))) {
    const params = firstPage[report.name] ?? {};
    if (opts.explain) await explain(db, report.name, params);
    const times: number[] = [];
    const cpuTimes: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      await writeBurst();
      const started = performance.now();
      const used = process.cpuUsage();
      await runReport(db, report.name, params);
      const { user, system } = process.cpuUsage(used);
      if (i >= 2) times.push(performance.now() - started);
      if (i >= 2) cpuTimes.push((user + system) / 1000);
    }
    const p50 = quantile(times, 0.5);
    const result = { name: report.name, p50, p95: quantile(times, 0.95) };
    results.push(result);
    console.log(
      `report ${result.name} p50_ms=${result.p50.toFixed(1)} p95_ms=${result.p95.toFixed(1)}` +
        (cpu ? ` cpu_p50_ms=${quantile(cpuTimes, 0.5).toFixed(1)} cpu_p95_ms=${quantile(cpuTimes, 0.95).toFixed(1)}` : ""),
    );
  }
  const slowest = results.reduce((a, b) => (b.p50 > a.p50 ? b : a));
  console.log(`reports: slowest=${slowest.name} p50_ms=${slowest.p50.toFixed(1)}`);
  burstTimes.sort((a, b) => a - b);
  console.log(
    `bursts: ${burstTimes.length} of 44 events stored (figures kept at commit) ` +
      `p50_ms=${burstTimes[Math.floor(burstTimes.length / 2)]!.toFixed(1)} ` +
      `max_ms=${burstTimes.at(-1)!.toFixed(1)}; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")} at the end`,
  );

  if (only && !only.includes("cleanup")) return;
  // the whole plan's totals (target: under 2 s at full size), fewer runs: each reads the whole registry
  const totalsTimes: number[] = [];
  let totals: unknown;
  for (let i = 0; i < Math.max(3, Math.ceil(runs / 3)) + 1; i++) {
    const started = performance.now();
    totals = (await runReport(db, "cleanup", { ...cleanupRule, limit: "1" })).totals;
    if (i >= 1) totalsTimes.push(performance.now() - started);
  }
  totalsTimes.sort((a, b) => a - b);
  const median = totalsTimes[Math.floor(totalsTimes.length / 2)]!;
  console.log(
    `# load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  console.log(
    `cleanup totals (${new URLSearchParams(cleanupRule)}, registry-wide) p50_ms=${median.toFixed(0)} ` +
      `max_ms=${totalsTimes.at(-1)!.toFixed(0)} runs=${totalsTimes.length} ${JSON.stringify(totals)}`,
  );
}

/** Whether the database holds the registry generated at `scale` whole (its last step, the deletions, written). */
async function generated(db: Db, scale: number): Promise<"empty" | "complete" | "other"> {
  const [held] = await db.query<{ any: boolean; last: boolean; beyond: boolean }>(
    `select exists (select 1 from regstat.manifests) as any,
       exists (select 1 from regstat.deletions where event_id = md5('d' || $1::int)) as last,
       exists (select 1 from regstat.deletions where event_id = md5('d' || $1::int + 1)) as beyond`,
    [sizes(scale).deletions],
  );
  if (!held?.any) return "empty";
  return held.last && !held.beyond ? "complete" : "other";
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
