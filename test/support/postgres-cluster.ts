import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";

export type ClusterOptions = {
  /**
   * Require a password (scram-sha-256) of the role `regstat` instead of trusting `postgres`: the connection
   * string then carries a real secret, which a test can look for in logs.
   */
  password?: boolean;
  /** server settings (`-c name=value`), e.g. `{ fsync: "off" }`; everything else is PostgreSQL's default */
  settings?: Record<string, string | number>;
};

/** A throwaway PostgreSQL cluster in a temp directory on a port of its own, kept across halt() and start(). */
export type Cluster = {
  /** a superuser's postgres:// URL of the `postgres` database */
  url: string;
  urlFor(database: string): string;
  port: number;
  user: string;
  /** the superuser's password; undefined on a trust cluster */
  password?: string;
  /** the directory of PostgreSQL's binaries (pgbench, psql, ...) */
  bin: string;
  postmasterPid(): number;
  createDatabase(name: string): Promise<void>;
  /** fast shutdown: open connections are cut, as when the server is restarted or fails over */
  halt(): Promise<void>;
  start(): Promise<void>;
  /** what the server has logged (errors, deadlocks) */
  serverLog(): string;
  /** shuts the server down and removes its directory */
  destroy(): Promise<void>;
};

/**
 * A PostgreSQL server for tests that need one: REGSTAT_TEST_PG when set, else a throwaway trust cluster
 * (fsync off: nothing measured against it). `stop()` shuts a throwaway cluster down and removes it.
 */
export async function postgresServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const given = process.env.REGSTAT_TEST_PG;
  if (given) return { url: given, stop: async () => {} };
  const cluster = await startCluster({ settings: { fsync: "off" } });
  return { url: cluster.url, stop: cluster.destroy };
}

/** `host=... port=... user=... password=... dbname=... sslmode=disable`, as the original's README wrote it. */
export function keywordForm(url: string) {
  const u = new URL(url);
  const quote = (s: string) => `'${s.replace(/['\\]/g, "\\$&")}'`;
  return [
    `host=${u.hostname}`,
    `port=${u.port || 5432}`,
    `user=${decodeURIComponent(u.username)}`,
    ...(u.password ? [`password=${quote(decodeURIComponent(u.password))}`] : []),
    `dbname=${u.pathname.slice(1)}`,
    "sslmode=disable",
  ].join(" ");
}

/**
 * Starts a cluster with Debian's newest PostgreSQL: UTF8, C locale, listening on 127.0.0.1 only, its socket in
 * its own directory. initdb refuses root, so as root the server's binaries run as the postgres user; the server
 * is started and stopped with pg_ctl, never by signalling runuser, which does not pass signals on.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), "regstat-pg-"));
  const asRoot = process.getuid?.() === 0;
  const as = asRoot ? ["runuser", "-u", "postgres", "--"] : [];
  const owner = asRoot ? ([run(["id", "-u", "postgres"]), run(["id", "-g", "postgres"])].map(Number) as [number, number]) : undefined;
  if (owner) chownSync(dir, ...owner);
  const data = join(dir, "data");
  const user = options.password ? "regstat" : "postgres";
  const password = options.password ? `pw-${crypto.randomUUID()}` : undefined;
  const initdb = [join(bin, "initdb"), "-D", data, "-U", user, "-E", "UTF8", "--locale=C", "--no-sync"];
  try {
    if (password) {
      const pwfile = join(dir, "pw");
      writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
      if (owner) chownSync(pwfile, ...owner);
      run([...as, ...initdb, "--pwfile", pwfile, "-A", "scram-sha-256"]);
      rmSync(pwfile);
    } else run([...as, ...initdb, "-A", "trust"]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const port = freePort();
  const settings = { port, listen_addresses: "127.0.0.1", unix_socket_directories: dir, ...options.settings };
  const serverOptions = Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(" ");
  const log = join(dir, "log");
  const pgCtl = (...args: string[]) => run([...as, join(bin, "pg_ctl"), "-D", data, "-w", "-t", "60", ...args]);
  const start = async () => {
    try {
      pgCtl("-o", serverOptions, "-l", log, "start");
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${readServerLog(log)}`);
    }
  };
  const halt = async () => void pgCtl("-m", "fast", "stop");
  const destroy = async () => {
    await halt().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  await start().catch(async (error) => {
    await destroy();
    throw error;
  });

  const auth = password ? `${user}:${password}` : user;
  const urlFor = (database: string) => `postgres://${auth}@127.0.0.1:${port}/${database}`;
  return {
    url: urlFor("postgres"),
    urlFor,
    port,
    user,
    password,
    bin,
    postmasterPid: () => Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]),
    async createDatabase(name) {
      run([join(bin, "createdb"), "-h", "127.0.0.1", "-p", String(port), "-U", user, name], password ? { PGPASSWORD: password } : {});
    },
    halt,
    start,
    serverLog: () => readServerLog(log),
    destroy,
  };
}

function readServerLog(path: string) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function run(cmd: string[], env: Record<string, string> = {}) {
  const result = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  if (result.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${result.stderr.toString().trim()}`);
  return result.stdout.toString().trim();
}

function postgresBinDir() {
  const root = "/usr/lib/postgresql";
  const newest = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`no PostgreSQL under ${root}: install the postgresql package or set REGSTAT_TEST_PG`);
  return join(root, newest, "bin");
}
