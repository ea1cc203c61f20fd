import { join } from "node:path";

/**
 * regstat as the operator runs it: `bun src/main.ts` as a child process, its log lines captured.
 * `port` stays the same across restarts, so whatever points at it (a registry, a proxy) keeps working.
 */
export type RegstatProcess = {
  url: string;
  port: number;
  /** every log line written so far, across restarts */
  log: string[];
  start(): Promise<void>;
  kill(signal: "SIGKILL" | "SIGTERM"): Promise<number>;
  running(): boolean;
};

const main = join(import.meta.dir, "../../src/main.ts");

export function freePort() {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

export function regstatProcess(args: string[], env: Record<string, string> = {}): RegstatProcess {
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const log: string[] = [];
  let proc: ReturnType<typeof Bun.spawn> | undefined;
  let pump: Promise<void> | undefined;

  const read = async (stream: ReadableStream<Uint8Array>) => {
    let rest = "";
    const decoder = new TextDecoder();
    for await (const bytes of stream) {
      const chunk = decoder.decode(bytes, { stream: true });
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      log.push(...lines);
    }
    if (rest) log.push(rest);
  };

  return {
    url,
    port,
    log,
    running: () => proc !== undefined && proc.exitCode === null && proc.signalCode === null,
    async start() {
      proc = Bun.spawn([process.execPath, main, "--host", "127.0.0.1", "--port", String(port), "--log-json", ...args], {
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
        stdout: "pipe",
        stderr: "pipe",
      });
      pump = Promise.all([read(proc.stdout as ReadableStream), read(proc.stderr as ReadableStream)]).then(() => {});
      for (let i = 0; i < 300; i++) {
        if (proc.exitCode !== null) break;
        const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
        if (ok) return;
        await Bun.sleep(50);
      }
      await pump;
      throw new Error(`regstat did not start:\n${log.slice(-20).join("\n")}`);
    },
    async kill(signal) {
      proc!.kill(signal);
      const code = await proc!.exited;
      await pump;
      return code;
    },
  };
}
