import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockDataDir } from "../../src/db/data-dir-lock.ts";
import { openPglite } from "../../src/db/pglite.ts";

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "regstat-lock-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const opener = join(import.meta.dir, "../../src/db/pglite.ts");

/** Another process holding the embedded database open until killed. */
async function holder(dir: string) {
  const child = Bun.spawn(
    [
      process.execPath,
      "-e",
      `
    const { openPglite } = await import(${JSON.stringify(opener)});
    const db = await openPglite(${JSON.stringify(dir)});
    await db.query("select 1");
    console.log("open");
    await new Promise(() => {});
  `,
    ],
    { stdout: "pipe", stderr: "inherit" },
  );
  const reader = child.stdout.getReader();
  const first = await reader.read();
  expect(new TextDecoder().decode(first.value)).toContain("open");
  return child;
}

const refusal = (dir: string) =>
  openPglite(dir).then(
    async (db) => {
      await db.close();
      return undefined;
    },
    (error: Error) => error.message,
  );

test("a data directory another process holds is refused at once, naming that process and the HTTP API", async () => {
  const dir = dataDir();
  const child = await holder(dir);
  try {
    const message = await refusal(dir);
    expect(message).toContain(`open in process ${child.pid}`);
    expect(message).toContain("HTTP API");
  } finally {
    child.kill("SIGKILL");
    await child.exited;
  }
  // Killed without a chance to remove its lock: a restart takes it over.
  expect(existsSync(join(dir, "regstat.lock"))).toBe(true);
  const db = await openPglite(dir);
  expect(await db.query("select 1 as one")).toEqual([{ one: 1 }]);
  // Opened twice in one process is refused too; closing releases it.
  expect(await refusal(dir)).toContain(`open in process ${process.pid}`);
  await db.close();
  expect(existsSync(join(dir, "regstat.lock"))).toBe(false);
}, 120_000);

test("a lock naming a PID now used by another process (a container's PID 1 after a restart) is stale", async () => {
  const dir = dataDir();
  // PID 1 is alive, but did not start at this time.
  writeFileSync(join(dir, "regstat.lock"), JSON.stringify({ pid: 1, startTime: "1", since: "2026-01-01T00:00:00Z" }));
  lockDataDir(dir)();
  // A process that is gone.
  const gone = Bun.spawn(["true"]);
  await gone.exited;
  writeFileSync(join(dir, "regstat.lock"), JSON.stringify({ pid: gone.pid, startTime: null, since: "2026-01-01T00:00:00Z" }));
  const release = lockDataDir(dir);
  expect(() => lockDataDir(dir)).toThrow(`open in process ${process.pid}`);
  release();
  expect(existsSync(join(dir, "regstat.lock"))).toBe(false);
});
