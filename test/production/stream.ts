import { expect } from "bun:test";
import { openPostgres } from "../../src/db/postgres.ts";
import { type Cluster, startCluster } from "../support/postgres-cluster.ts";
import { pushImage, type RealRegistry, startRegistry } from "../support/registry.ts";
import { type RegstatProcess, regstatProcess } from "../support/regstat-process.ts";
import { recordingProxy, settle } from "./recording-proxy.ts";

export const WEBHOOK_TOKEN = `wh-${crypto.randomUUID()}`;
export const REPORTS_TOKEN = `rp-${crypto.randomUUID()}`;

/**
 * A real registry notifying regstat (through a recording proxy) which stores into a throwaway PostgreSQL:
 * the setting of the fault tests. `traffic(n)` pushes an image and pulls it back, so the registry sends
 * blob pushes, HEAD and GET pulls and a manifest push with its references.
 */
export async function startStream() {
  // A real password, so the no-secret-in-logs test has a secret to look for.
  const cluster: Cluster = await startCluster({ password: true, settings: { fsync: "off", max_connections: 60 } });
  const regstat: RegstatProcess = regstatProcess([
    "--pg-conn-str",
    cluster.url,
    "--webhook-token",
    WEBHOOK_TOKEN,
    "--reports-token",
    REPORTS_TOKEN,
    "--log-level",
    "debug",
  ]);
  await regstat.start();
  const proxy = recordingProxy(() => regstat.url);
  const registry: RealRegistry = await startRegistry({
    notify: `${proxy.url}/events`,
    notifyHeaders: { Authorization: `Bearer ${WEBHOOK_TOKEN}` },
    includeReferences: true,
  });
  const db = openPostgres(cluster.url, { max: 2 });
  let pushed = 0;

  const traffic = async (images: number) => {
    for (let i = 0; i < images; i++) {
      const n = ++pushed;
      const image = await pushImage(registry, `fault/app${n % 3}:v${n}`);
      const manifest = await fetch(`${registry.url}/v2/fault/app${n % 3}/manifests/v${n}`, {
        headers: { accept: image.mediaType },
      });
      if (!manifest.ok) throw new Error(`pulling v${n} answered ${manifest.status}`);
      await manifest.arrayBuffer();
    }
  };

  /** Waits until the registry has nothing left to deliver and regstat holds everything it sent. */
  const drained = () =>
    settle(async () => {
      const stored = await storedIds().catch(() => new Set<string>());
      return [...proxy.sentIds()].every((id) => stored.has(id));
    }, proxy.quietMs);

  const storedIds = async () => new Set((await db.query<{ id: string }>("select id from regstat.events")).map((r) => r.id));

  /** What the registry sent next to what regstat made of it, for the exactly-once checks. */
  const accounting = async () => ({
    sent: [...proxy.sentIds()].sort(),
    stored: [...(await storedIds())].sort(),
    deadLetters: await db.query("select id, reason from regstat.dead_letters"),
    // Applied once, too: each manifest's GET pull count is the number of its GET pull events.
    miscounted: await db.query(`
      select r.digest, r.pull_count, count(e.id)::int as pulls
      from regstat.repository_manifests r
      left join regstat.events e
        on e.digest = r.digest and e.repository = r.repository and e.action = 'pull' and e.method = 'GET'
      group by r.digest, r.repository, r.pull_count
      having r.pull_count <> count(e.id)`),
    manifests: (await db.query<{ n: number }>("select count(*)::int as n from regstat.manifests"))[0]!.n,
    imagesPushed: pushed,
  });

  return {
    accounting,
    cluster,
    regstat,
    proxy,
    registry,
    db,
    traffic,
    drained,
    storedIds,
    async stop() {
      await registry.stop();
      proxy.stop();
      if (regstat.running()) await regstat.kill("SIGTERM");
      await db.close();
      await cluster.destroy();
    },
  };
}

/** Every event the registry sent is stored, once, each pull counted once; nothing else is. */
export async function expectStoredExactlyOnce(stream: Awaited<ReturnType<typeof startStream>>) {
  const account = await stream.accounting();
  expect(account.sent.length).toBeGreaterThan(20);
  expect(account.stored).toEqual(account.sent);
  expect(account.deadLetters).toEqual([]);
  expect(account.miscounted).toEqual([]);
  expect(account.manifests).toBe(account.imagesPushed);
}
