// `bun bench/profile.ts [senders] [seconds] [mix]`: regstat under the bench's load with Bun's CPU profiler on
// (NO_PROF=1: off), on a throwaway PostgreSQL cluster with pg_stat_statements tracking nested statements
// (trigger and function bodies too); prints the CPU per event and the statements that took PostgreSQL's
// time, and writes the profile (Chrome .cpuprofile and markdown) to a temp directory.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { freePort } from "../test/support/free-port.ts";
import { startCluster } from "../test/support/postgres-cluster.ts";
import { cpuSeconds, treeCpuSeconds } from "./cpu.ts";
import { send } from "./send.ts";
import type { Mix } from "./workload.ts";

const [senders = "1", seconds = "15", mix = "realistic"] = process.argv.slice(2);
const out = mkdtempSync(join(tmpdir(), "regstat-profile-"));
const cluster = await startCluster({
  settings: {
    shared_preload_libraries: "pg_stat_statements",
    "pg_stat_statements.track": "all",
    "pg_stat_statements.track_planning": "on",
  },
});
try {
  await cluster.createDatabase("regstat");
  const sql = postgres(cluster.urlFor("regstat"), { max: 1, onnotice: () => {} });
  await sql`create extension pg_stat_statements`;
  const port = freePort();
  const regstat = Bun.spawn(
    [
      process.execPath,
      ...(process.env.NO_PROF ? [] : ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${out}`]),
      join(import.meta.dir, "../src/main.ts"),
      "--port",
      String(port),
      "--log-level",
      "error",
      "--pg-conn-str",
      cluster.urlFor("regstat"),
    ],
    { stdout: "inherit", stderr: "inherit" },
  );
  while (
    (await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.status,
      () => 0,
    )) !== 200
  )
    await Bun.sleep(50);
  const url = `http://127.0.0.1:${port}`;
  const ids = join(out, "ids");
  await send({ url, senders: 1, seconds: 3, scope: `${crypto.randomUUID()}-warm`, ids, mix: "realistic" });
  await sql`select pg_stat_statements_reset()`;
  const before = { regstat: cpuSeconds(regstat.pid), pg: treeCpuSeconds(cluster.postmasterPid()) };
  const f = await send({ url, senders: Number(senders), seconds: Number(seconds), scope: crypto.randomUUID(), ids, mix: mix as Mix });
  const ms = (s: number) => ((s * 1000) / f.events).toFixed(3);
  const load = (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
  console.log(
    `${f.eps.toFixed(0)} events/s p50 ${f.p50.toFixed(2)} ms p99 ${f.p99.toFixed(2)} ms; CPU per event: regstat ` +
      `${ms(cpuSeconds(regstat.pid) - before.regstat)} ms, PostgreSQL ${ms(treeCpuSeconds(cluster.postmasterPid()) - before.pg)} ms; ` +
      `load ${load}`,
  );
  const top = await sql`
    select calls, round((total_exec_time / ${f.events})::numeric, 4) as exec_ms_per_event,
      round((total_plan_time / ${f.events})::numeric, 4) as plan_ms_per_event, toplevel,
      regexp_replace(left(query, 110), '\\s+', ' ', 'g') as query
    from pg_stat_statements where dbid = (select oid from pg_database where datname = 'regstat')
    order by total_exec_time + total_plan_time desc limit ${Number(process.env.TOP ?? 30)}`;
  console.log(`statements by time (ms per event; a nested statement's time is also in its caller's):`);
  for (const r of top)
    console.log(
      `${String(r.calls).padStart(7)} ${String(r.exec_ms_per_event).padStart(8)} ${String(r.plan_ms_per_event).padStart(8)} ` +
        `${r.toplevel ? "top" : "   "} ${r.query}`,
    );
  await sql.end();
  regstat.kill("SIGTERM");
  await regstat.exited;
  console.log(`profile in ${out}`);
} finally {
  await cluster.destroy();
}
