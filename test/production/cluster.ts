import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A throwaway PostgreSQL cluster that a fault test can stop and start again on the same port and data.
 * It requires a password (scram-sha-256), so the connection string carries a real secret that must never
 * reach a log line. As root, PostgreSQL's binaries run as the postgres user.
 */
export type Cluster = {
  /** postgres://regstat:<password>@127.0.0.1:<port>/regstat */
  url: string;
  password: string;
  port: number;
  /** fast shutdown: open connections are cut, as when the server is restarted or fails over */
  halt(): Promise<void>;
  /** what the server has logged (errors, deadlocks) */
  serverLog(): string;
  start(): Promise<void>;
  destroy(): Promise<void>;
};

const bin = join("/usr/lib/postgresql", readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a))[0]!, "bin");
const asRoot = process.getuid?.() === 0;
const as = asRoot ? ["runuser", "-u", "postgres", "--"] : [];

function freePort() {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

function run(cmd: string[]) {
  const result = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${result.stderr.toString()}`);
  return result.stdout.toString();
}

export async function startCluster(): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), "regstat-fault-pg-"));
  if (asRoot) chownSync(dir, Number(run(["id", "-u", "postgres"])), Number(run(["id", "-g", "postgres"])));
  const data = join(dir, "data");
  const password = `pw-${crypto.randomUUID()}`;
  const pwfile = join(dir, "pw");
  writeFileSync(pwfile, `${password}\n`);
  if (asRoot) chownSync(pwfile, Number(run(["id", "-u", "postgres"])), 0);
  run([...as, join(bin, "initdb"), "-D", data, "-U", "regstat", "--pwfile", pwfile, "-A", "scram-sha-256", "--no-sync"]);
  rmSync(pwfile);
  const port = freePort();
  const pgCtl = (...args: string[]) => run([...as, join(bin, "pg_ctl"), "-D", data, "-w", "-t", "30", ...args]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  // pg_ctl, not a signal to runuser: runuser does not pass SIGINT on to the server.
  const start = async () => void pgCtl("-o", options, "-l", join(dir, "log"), "start");
  const halt = async () => void pgCtl("-m", "fast", "stop");
  await start();
  const url = `postgres://regstat:${password}@127.0.0.1:${port}/postgres`;
  return {
    url,
    password,
    port,
    halt,
    start,
    serverLog: () => readFileSync(join(dir, "log"), "utf8"),
    async destroy() {
      await halt().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
