import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./free-port.ts";

/**
 * regstat as the operator runs it: `bun src/main.ts` as a child process, its log lines captured.
 * `port` stays the same across restarts, so whatever points at it (a registry, a proxy) keeps working.
 */
export type RegstatProcess = {
  url: string;
  port: number;
  /** every log line written so far, across restarts */
  log: string[];
  /** starts the process and waits until /readyz answers 200 */
  start(): Promise<void>;
  /** signals the process and returns its exit code */
  kill(signal: "SIGKILL" | "SIGTERM" | "SIGINT"): Promise<number>;
  /** SIGTERM, and an error unless the process exits 0 */
  stop(): Promise<void>;
  running(): boolean;
  pid(): number;
  /** the highest resident memory regstat has reached, in MB */
  peakRssMb(): number;
};

export type RegstatOptions = {
  /** the environment besides PATH and HOME; nothing else of ours is passed on */
  env?: Record<string, string>;
  /** also write each log line to our stderr as it comes, as a benchmark shows regstat's errors */
  echo?: boolean;
};

const root = join(import.meta.dir, "../..");
const main = join(root, "src/main.ts");

export function regstatProcess(args: string[], options: RegstatOptions = {}): RegstatProcess {
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const log: string[] = [];
  let proc: Bun.Subprocess<"ignore", "pipe", "pipe"> | undefined;
  let pump: Promise<void> | undefined;
  let peakKb = 0;
  // VmHWM is the kernel's own high-water mark; polling keeps the last value seen should the process die.
  const poll = () => proc && (peakKb = Math.max(peakKb, vmHwmKb(proc.pid)));

  const read = async (stream: ReadableStream<Uint8Array>) => {
    let rest = "";
    const decoder = new TextDecoder();
    const add = (lines: string[]) => {
      log.push(...lines);
      if (options.echo) for (const line of lines) process.stderr.write(`${line}\n`);
    };
    for await (const bytes of stream) {
      const lines = (rest + decoder.decode(bytes, { stream: true })).split("\n");
      rest = lines.pop()!;
      add(lines);
    }
    if (rest) add([rest]);
  };

  const kill = async (signal: "SIGKILL" | "SIGTERM" | "SIGINT") => {
    poll();
    proc!.kill(signal);
    const code = await proc!.exited;
    await pump;
    return code;
  };

  return {
    url,
    port,
    log,
    running: () => proc !== undefined && proc.exitCode === null && proc.signalCode === null,
    pid: () => proc!.pid,
    peakRssMb: () => {
      poll();
      return peakKb / 1024;
    },
    async start() {
      proc = Bun.spawn([process.execPath, main, "--host", "127.0.0.1", "--port", String(port), "--log-json", ...args], {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...options.env },
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
      });
      const started = proc;
      pump = Promise.all([read(started.stdout), read(started.stderr)]).then(() => {});
      const timer = setInterval(poll, 250);
      void started.exited.then(() => clearInterval(timer));
      const deadline = Date.now() + 60_000;
      while (started.exitCode === null && Date.now() < deadline) {
        const ready = await fetch(`${url}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ready) return;
        await Bun.sleep(50);
      }
      const exited = started.exitCode !== null;
      if (!exited) started.kill("SIGKILL");
      await pump;
      const why = exited ? `exited with ${started.exitCode} before it was ready` : "was not ready within 60 s";
      throw new Error(`regstat ${why}:\n${log.slice(-20).join("\n")}`);
    },
    kill,
    async stop() {
      const code = await kill("SIGTERM");
      if (code !== 0) throw new Error(`regstat exited with ${code}:\n${log.slice(-20).join("\n")}`);
    },
  };
}

function vmHwmKb(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}
