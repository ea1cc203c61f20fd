import { linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

type Holder = { pid: number; startTime: string | null; since: string };

/** When a process started (clock ticks since boot, /proc/<pid>/stat field 22): tells a reused PID apart. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function alive(holder: Holder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // The PID is in use: by the holder, unless it has been given to another process since (a container's PID 1).
  const now = startTimeOf(holder.pid);
  return holder.startTime === null || now === null || now === holder.startTime;
}

const readText = (path: string) => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

function parse(text: string | undefined): Holder | undefined {
  try {
    return text ? (JSON.parse(text) as Holder) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * PGlite corrupts a data directory two processes open, so one process holds it: `regstat.lock` names it.
 * A second opener fails at once; a lock left by a process that died (SIGKILL, a crash) is taken over.
 * Returns the release.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, "regstat.lock");
  const mine: Holder = { pid: process.pid, startTime: startTimeOf(process.pid), since: new Date().toISOString() };
  const text = JSON.stringify(mine);
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(temporary, text);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        // link() fails if the lock exists: taking it is atomic.
        linkSync(temporary, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 2) throw error;
      }
      const seen = readText(path);
      const holder = parse(seen);
      if (holder && alive(holder)) {
        throw new Error(
          `the embedded database in ${dataDir} is open in process ${holder.pid} (since ${holder.since}); ` +
            "two processes on one embedded database would corrupt it: ask the running regstat over its HTTP API " +
            "(curl http://127.0.0.1:3333/reports/images), or stop it first",
        );
      }
      // Stale: its process is gone (or it is unreadable). Removed only if it is still the one just read.
      if (seen !== undefined && readText(path) === seen) unlinkSync(path);
    }
  } finally {
    unlinkSync(temporary);
  }
  return () => {
    if (readText(path) === text) unlinkSync(path);
  };
}
