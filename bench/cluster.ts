import { $ } from "bun";
import { chownSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.ts";

export const PG_BIN = "/usr/lib/postgresql/15/bin";

export type Cluster = {
  port: number;
  postmasterPid: number;
  url(database: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
};

/**
 * A throwaway PostgreSQL cluster in a temp directory, run as the `postgres` user (initdb refuses root).
 * Durability settings are left at their defaults (fsync, synchronous_commit on), so every figure
 * measured against it means committed to disk.
 */
export async function startCluster(): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), "regstat-bench-pg-"));
  const uid = Number((await $`id -u postgres`.text()).trim());
  const gid = Number((await $`id -g postgres`.text()).trim());
  chownSync(dir, uid, gid);
  const data = join(dir, "data");
  const port = await freePort();
  const asPostgres = (...cmd: string[]) => $`runuser -u postgres -- ${cmd}`.quiet();

  await asPostgres(`${PG_BIN}/initdb`, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync");
  await asPostgres(
    `${PG_BIN}/pg_ctl`, "-D", data, "-l", join(dir, "log"), "-w", "start",
    "-o", `-c port=${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir}`,
  );
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    postmasterPid: Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]),
    url,
    async createDatabase(name) {
      await asPostgres(`${PG_BIN}/createdb`, "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", name);
    },
    async stop() {
      await asPostgres(`${PG_BIN}/pg_ctl`, "-D", data, "-m", "fast", "-w", "stop").catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
