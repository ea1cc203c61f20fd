import { chownSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";

/**
 * A PostgreSQL server for tests that need one: REGSTAT_TEST_PG when set, else a throwaway cluster in a temp
 * directory on a free port (Debian's binaries; initdb refuses root, so as root they run as the postgres user).
 * `url` is a postgres:// URL of a superuser; `stop()` shuts a throwaway cluster down and removes it.
 */
export async function postgresServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const given = process.env.REGSTAT_TEST_PG;
  if (given) return { url: given, stop: async () => {} };
  return startCluster();
}

async function startCluster() {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), "regstat-pg-"));
  const asRoot = process.getuid?.() === 0;
  // setpriv execs in place (runuser would fork), so the child is postgres itself and SIGINT reaches it.
  const as = asRoot ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"] : [];
  if (asRoot) {
    const [uid, gid] = ["-u", "-g"].map((f) => Number(Bun.spawnSync(["id", f, "postgres"]).stdout.toString()));
    chownSync(dir, uid!, gid!);
  }
  const data = join(dir, "data");
  const init = Bun.spawnSync([...as, join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "--no-sync"]);
  if (init.exitCode !== 0) throw new Error(`initdb failed: ${init.stderr.toString()}`);

  const port = freePort();
  const server = Bun.spawn(
    [...as, join(bin, "postgres"), "-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
    { stdout: "ignore", stderr: "pipe" },
  );
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  for (let i = 0; ; i++) {
    const ready = Bun.spawnSync([join(bin, "pg_isready"), "-q", "-h", "127.0.0.1", "-p", String(port)]);
    if (ready.exitCode === 0) break;
    if (server.exitCode !== null || i > 100) {
      server.kill();
      throw new Error(`postgres did not start: ${await new Response(server.stderr).text()}`);
    }
    await Bun.sleep(100);
  }
  return {
    url,
    async stop() {
      server.kill("SIGINT"); // fast shutdown
      await server.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresBinDir() {
  const root = "/usr/lib/postgresql";
  const newest = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`no PostgreSQL under ${root}: install the postgresql package or set REGSTAT_TEST_PG`);
  return join(root, newest, "bin");
}
