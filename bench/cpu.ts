import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ, the unit of /proc/<pid>/stat times on Linux

type Stat = { ppid: number; own: number; children: number };

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const n = (i: number) => Number(fields[i - 3]);
    return { ppid: n(4), own: n(14) + n(15), children: n(16) + n(17) };
  } catch {
    return undefined;
  }
}

/** CPU seconds a process has used so far. */
export const cpuSeconds = (pid: number) => (stat(pid)?.own ?? 0) / TICKS_PER_SECOND;

/** CPU seconds a process and all its children (live or exited) have used: a PostgreSQL cluster from its postmaster. */
export function treeCpuSeconds(root: number): number {
  let ticks = 0;
  const self = stat(root);
  if (self) ticks += self.own + self.children;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const child = stat(Number(entry));
    if (child?.ppid === root) ticks += child.own;
  }
  return ticks / TICKS_PER_SECOND;
}

/** CPU seconds the whole machine has spent busy (every process, every core), from /proc/stat. */
export function machineBusySeconds(): number {
  const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / TICKS_PER_SECOND;
}
