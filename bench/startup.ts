/**
 * `npm run bench:startup`: how fast regstat is ready and how much memory it holds, for the compiled
 * executable and for `npm start`: on the embedded database with a fresh data directory (made from the
 * built template) and an existing one, and, for the executable, on PostgreSQL. Ready = spawn until /readyz
 * answers 200; peak RSS = the kernel's high-water mark (VmHWM) of the regstat process; steady RSS =
 * resident memory 15 s after ready. Each case prints the machine's load beside it.
 * Run: bun bench/startup.ts [runs]   (REGSTAT_TEST_PG names a PostgreSQL; else a throwaway cluster is started)
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { buildExecutable, envPairs, installAlone, root } from "../test/packaging/binary.ts";
import { freshPostgresDatabase } from "../test/support/db.ts";
import { freePort } from "../test/support/free-port.ts";
import { postgresServer } from "../test/support/postgres-cluster.ts";
import { machineBusySeconds } from "./cpu.ts";

const runs = Number(process.argv[2] ?? 3);
const STEADY_AFTER_MS = 15_000;

type Sample = { readyS: number; peakMb: number; steadyMb: number };
type Launch = { command: string[]; cwd: string; env: Record<string, string>; regstatPid(spawned: number): number | undefined };

const executable = buildExecutable();
const { dir, bin, cleanup } = installAlone(executable.path);
const postgres = await postgresServer();
const size = statSync(executable.path).size;
console.log(
  `regstat startup benchmark: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), Bun ${Bun.version}; ` +
    `executable ${(size / 1024 / 1024).toFixed(1)} MiB (${size} bytes)`,
);

// The executable alone in an empty directory, with nothing of our environment (as a user installs it).
const asExecutable = (args: string[]): Launch => ({
  command: ["env", "-i", ...envPairs(), bin, ...args],
  cwd: dir,
  env: {},
  regstatPid: (spawned) => spawned,
});
// `npm start` from this checkout: npm, a shell, then bun running src/main.ts.
const asNpmStart = (args: string[]): Launch => ({
  command: ["npm", "start", "--silent", "--", ...args],
  cwd: root,
  env: { PATH: `${root}/node_modules/.bin:${process.env.PATH}`, HOME: process.env.HOME ?? "/tmp" },
  regstatPid: (spawned) => descendants(spawned).find((pid) => /^\S*bun(\.exe)? src\/main\.ts /.test(cmdline(pid))),
});

const results: Record<string, Sample> = {};
try {
  for (const [way, launch] of [
    ["executable", asExecutable],
    ["npm start", asNpmStart],
  ] as const) {
    const existing = join(dir, `existing-${way.replace(" ", "-")}`);
    await measure(launch(["-data-dir", existing])); // made once, then measured as an existing data directory
    results[`${way} fresh`] = await measureCase(`${way}, embedded database, fresh data dir`, () =>
      launch(["-data-dir", join(dir, `fresh-${Math.random()}`)]),
    );
    results[`${way} existing`] = await measureCase(`${way}, embedded database, existing data dir`, () => launch(["-data-dir", existing]));
  }
  await measureCase("executable, PostgreSQL, fresh database", async () =>
    asExecutable(["-pg-conn-str", (await freshPostgresDatabase(postgres.url)).url]),
  );
} finally {
  cleanup();
  executable.cleanup();
  await postgres.stop();
}

const fresh = results["executable fresh"]!;
const existing = results["executable existing"]!;
console.log(
  `startup: fresh_ready_s=${fresh.readyS.toFixed(2)} fresh_peak_mb=${fresh.peakMb.toFixed(0)} ` +
    `existing_ready_s=${existing.readyS.toFixed(2)} steady_mb=${Math.max(fresh.steadyMb, existing.steadyMb).toFixed(0)}`,
);

/** `runs` starts of one case; prints the median of each figure, the range, and the machine's load meanwhile. */
async function measureCase(name: string, prepare: () => Launch | Promise<Launch>): Promise<Sample> {
  const busyBefore = machineBusySeconds();
  const started = performance.now();
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await measure(await prepare()));
  const cores = (machineBusySeconds() - busyBefore) / ((performance.now() - started) / 1000);
  const median = (pick: (s: Sample) => number) => {
    const sorted = samples.map(pick).sort((a, b) => a - b);
    return { mid: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted.at(-1)! };
  };
  const show = (pick: (s: Sample) => number, digits: number, unit: string) => {
    const { mid, min, max } = median(pick);
    return `${mid.toFixed(digits)} ${unit} (${min.toFixed(digits)}-${max.toFixed(digits)})`;
  };
  console.log(
    `${name}: ready ${show((s) => s.readyS, 2, "s")}, peak RSS ${show((s) => s.peakMb, 0, "MB")}, ` +
      `steady RSS ${show((s) => s.steadyMb, 0, "MB")}; n=${runs}, load average ${loadAverage()}, machine busy ${cores.toFixed(2)} cores`,
  );
  return { readyS: median((s) => s.readyS).mid, peakMb: median((s) => s.peakMb).mid, steadyMb: median((s) => s.steadyMb).mid };
}

async function measure(launch: Launch): Promise<Sample> {
  const port = freePort();
  const started = performance.now();
  const proc = Bun.spawn([...launch.command, "-port", String(port)], {
    cwd: launch.cwd,
    env: launch.env,
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  const stderr = new Response(proc.stderr).text();
  const ready = () =>
    fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.status,
      () => 0,
    );
  while ((await ready()) !== 200) {
    if (proc.exitCode !== null) throw new Error(`regstat exited ${proc.exitCode} before ready:\n${await stderr}`);
    if (performance.now() - started > 60_000) {
      proc.kill("SIGKILL");
      throw new Error("regstat was not ready within 60 s");
    }
    await Bun.sleep(5);
  }
  const readyS = (performance.now() - started) / 1000;
  const pid = launch.regstatPid(proc.pid);
  if (pid === undefined) {
    proc.kill("SIGKILL");
    throw new Error(`no regstat process under ${launch.command.join(" ")}`);
  }
  await Bun.sleep(STEADY_AFTER_MS);
  const sample = { readyS, peakMb: statusKb(pid, "VmHWM") / 1024, steadyMb: statusKb(pid, "VmRSS") / 1024 };
  process.kill(pid, "SIGTERM");
  if ((await proc.exited) !== 0) throw new Error(`regstat exited ${proc.exitCode}:\n${await stderr}`);
  return sample;
}

function statusKb(pid: number, field: string) {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
}

function loadAverage() {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
}

function cmdline(pid: number) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** Every process below `pid`, nearest first. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {}
  }
  const found: number[] = [];
  for (let frontier = [pid]; frontier.length; ) {
    frontier = [...parents].filter(([, parent]) => frontier.includes(parent)).map(([child]) => child);
    found.push(...frontier);
  }
  return found;
}
