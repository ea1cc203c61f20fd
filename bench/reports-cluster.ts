import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PG_BIN = "/usr/lib/postgresql/15/bin";

/**
 * A throwaway PostgreSQL 15 cluster in a temp directory on a free port, C locale, with the settings stated
 * beside the figures (shared_buffers 1GB; the rest default). initdb refuses root, so as root it runs as
 * the postgres user.
 */
export async function startCluster(): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "regstat-bench-reports-"));
  const asRoot = process.getuid?.() === 0;
  const as = asRoot ? ["runuser", "-u", "postgres", "--"] : [];
  if (asRoot) {
    const [uid, gid] = ["-u", "-g"].map((f) => Number(Bun.spawnSync(["id", f, "postgres"]).stdout.toString()));
    chownSync(dir, uid!, gid!);
  }
  const data = join(dir, "data");
  const init = Bun.spawnSync([...as, `${PG_BIN}/initdb`, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
  if (init.exitCode !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const start = Bun.spawnSync([
    ...as, `${PG_BIN}/pg_ctl`, "-D", data, "-l", join(dir, "log"), "-w", "start", "-o",
    `-c port=${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c shared_buffers=1GB -c fsync=off -c max_wal_size=4GB`,
  ]);
  if (start.exitCode !== 0) throw new Error(`postgres did not start: ${start.stderr}`);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      Bun.spawnSync([...as, `${PG_BIN}/pg_ctl`, "-D", data, "-m", "fast", "-w", "stop"]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
