import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./ports.ts";

const root = join(import.meta.dir, "..");

export type RegstatProcess = { url: string; pid: number; peakRssMb(): number; stop(): Promise<void> };

/** regstat as the user runs it (`bun src/main.ts`), in a process of its own whose peak RSS is watched. */
export async function startRegstat(args: string[]): Promise<RegstatProcess> {
  const port = await freePort();
  const child = Bun.spawn(["bun", "src/main.ts", "--port", String(port), "--host", "127.0.0.1", "--log-level", "error", ...args], {
    cwd: root,
    stdout: "ignore",
    stderr: "inherit",
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child);
  // VmHWM is the kernel's own high-water mark; polling keeps the last value seen should the process die.
  let peakKb = 0;
  const poll = () => (peakKb = Math.max(peakKb, vmHwmKb(child.pid)));
  const timer = setInterval(poll, 250);
  return {
    url,
    pid: child.pid,
    peakRssMb: () => (poll(), peakKb / 1024),
    async stop() {
      poll();
      clearInterval(timer);
      child.kill("SIGTERM");
      const code = await child.exited;
      if (code !== 0) throw new Error(`regstat exited with ${code}`);
    },
  };
}

async function waitReady(url: string, child: Bun.Subprocess) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`regstat exited with ${child.exitCode} before it was ready`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) return;
    await Bun.sleep(100);
  }
  throw new Error("regstat was not ready within 60 s");
}

function vmHwmKb(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}
