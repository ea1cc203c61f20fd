// `bun bench/profile.ts [senders] [seconds] [mix]`: regstat under the bench's load with Bun's CPU profiler on,
// on a throwaway PostgreSQL cluster; writes the profile (Chrome .cpuprofile and markdown) to a temp directory.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCluster } from "../test/support/postgres-cluster.ts";
import { freePort } from "../test/support/free-port.ts";
import { send } from "./send.ts";
import { cpuSeconds, treeCpuSeconds } from "./cpu.ts";
import type { Mix } from "./workload.ts";

const [senders = "1", seconds = "15", mix = "realistic"] = process.argv.slice(2);
const out = mkdtempSync(join(tmpdir(), "regstat-profile-"));
const cluster = await startCluster();
try {
  await cluster.createDatabase("regstat");
  const port = freePort();
  const regstat = Bun.spawn(
    [process.execPath, ...(process.env.NO_PROF ? [] : ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${out}`]), join(import.meta.dir, "../src/main.ts"),
      "--port", String(port), "--log-level", "error", "--pg-conn-str", cluster.urlFor("regstat")],
    { stdout: "inherit", stderr: "inherit" },
  );
  while ((await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0)) !== 200) await Bun.sleep(50);
  const url = `http://127.0.0.1:${port}`;
  const ids = join(out, "ids");
  await send({ url, senders: 1, seconds: 3, scope: `${crypto.randomUUID()}-warm`, ids, mix: "realistic" });
  const before = { regstat: cpuSeconds(regstat.pid), pg: treeCpuSeconds(cluster.postmasterPid()) };
  const f = await send({ url, senders: Number(senders), seconds: Number(seconds), scope: crypto.randomUUID(), ids, mix: mix as Mix });
  const ms = (s: number) => ((s * 1000) / f.events).toFixed(3);
  console.log(`${f.eps.toFixed(0)} events/s p50 ${f.p50.toFixed(2)} ms p99 ${f.p99.toFixed(2)} ms; CPU per event: regstat ` +
    `${ms(cpuSeconds(regstat.pid) - before.regstat)} ms, PostgreSQL ${ms(treeCpuSeconds(cluster.postmasterPid()) - before.pg)} ms`);
  regstat.kill("SIGTERM");
  await regstat.exited;
  console.log(`profile in ${out}`);
} finally {
  await cluster.destroy();
}
