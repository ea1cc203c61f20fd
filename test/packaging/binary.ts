import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };

export const root = join(import.meta.dir, "../..");
const OUTFILE = "--outfile dist/regstat";

/**
 * Runs package.json's own build script (as npm would, in a shell), with only the output moved to a temp directory so test files
 * building at once do not overwrite each other's executable.
 */
export function buildExecutable(): { path: string; cleanup(): void } {
  const script = pkg.scripts.build;
  if (!script.endsWith(OUTFILE)) throw new Error(`the build script must end with "${OUTFILE}": ${script}`);
  const dir = mkdtempSync(join(tmpdir(), "regstat-build-"));
  const path = join(dir, "regstat");
  const command = `${script.slice(0, -OUTFILE.length).trim()} --outfile '${path}'`;
  const built = Bun.spawnSync(["sh", "-c", command], {
    cwd: root,
    env: { ...process.env, PATH: `${root}/node_modules/.bin:${process.env.PATH}` },
  });
  if (built.exitCode !== 0) throw new Error(`build failed:\n${built.stderr.toString()}`);
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An empty directory holding only a copy of the executable, as a user would install it. */
export function installAlone(executable: string): { dir: string; bin: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "regstat-alone-"));
  const bin = join(dir, "regstat");
  copyFileSync(executable, bin);
  Bun.spawnSync(["chmod", "755", bin]);
  return { dir, bin, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export type Started = {
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  url: string;
  /** milliseconds from spawn until /readyz answered 200 */
  readyMs: number;
  stderr(): Promise<string>;
};

/**
 * Starts the executable with exactly `env` (nothing inherited: `env -i`), and waits for /readyz.
 * `prefix` runs it through another program (e.g. setpriv to drop to a container's user).
 */
export async function startExecutable(
  bin: string,
  options: {
    cwd: string;
    args?: string[];
    env?: Record<string, string>;
    port: number;
    https?: boolean;
    prefix?: string[];
    timeoutMs?: number;
  },
): Promise<Started> {
  const started = performance.now();
  const proc = Bun.spawn([...(options.prefix ?? []), "env", "-i", ...envPairs(options.env), bin, ...(options.args ?? [])], {
    cwd: options.cwd,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let stderrText: Promise<string> | undefined;
  const stderr = () => (stderrText ??= new Response(proc.stderr).text());
  const url = `${options.https ? "https" : "http"}://127.0.0.1:${options.port}`;
  const deadline = started + (options.timeoutMs ?? 60_000);
  while (performance.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`regstat exited ${proc.exitCode} before ready:\n${await stderr()}`);
    const status = await fetch(`${url}/readyz`, { tls: { rejectUnauthorized: false } }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return { proc, url, readyMs: performance.now() - started, stderr };
    await Bun.sleep(20);
  }
  proc.kill("SIGKILL");
  throw new Error(`regstat was not ready within ${options.timeoutMs ?? 60_000} ms:\n${await stderr()}`);
}

export function envPairs(env: Record<string, string> = {}) {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

/** Runs the executable to completion with exactly `env`. */
export function runExecutable(bin: string, args: string[], options: { cwd: string; env?: Record<string, string>; prefix?: string[] }) {
  const done = Bun.spawnSync([...(options.prefix ?? []), "env", "-i", ...envPairs(options.env), bin, ...args], { cwd: options.cwd });
  return { exitCode: done.exitCode, stdout: done.stdout.toString(), stderr: done.stderr.toString() };
}

/** Resident memory of a running process, from /proc (Linux). */
export async function rssKiB(pid: number) {
  const status = await Bun.file(`/proc/${pid}/status`).text();
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
}
