import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { openPostgres } from "../../src/db/postgres.ts";
import { expectConsistent } from "../support/check.ts";
import { deleteDigest, deleteTag, digestOf, image, mountBlob, pullBlob, pullManifest } from "../support/events.ts";
import { EVENTS_V1 } from "../support/fixtures.ts";
import { type Cluster, startCluster } from "../support/postgres-cluster.ts";
import { prng } from "../support/prng.ts";
import { type RegstatProcess, regstatProcess } from "../support/regstat-process.ts";

/** A busy registry's history over few digests and tags, so that concurrent envelopes collide on the same rows. */
function history(seed: number, count: number, withDeletes: boolean) {
  const random = prng(seed);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const repos = ["two/app", "two/base"];
  const tags = ["latest", "v1", "v2"];
  const layers = Array.from({ length: 4 }, (_, i) => digestOf(`two-layer-${i}`));
  const images = Array.from({ length: 6 }, (_, i) =>
    image(`two-${i}`, { repository: repos[i % 2]!, layers: [layers[i % 4]!, layers[(i + 1) % 4]!] }),
  );
  let clock = Date.parse("2026-03-01T00:00:00Z");
  const timestamp = () => new Date((clock += 1000)).toISOString();
  const events: object[] = [];
  // Seeded ids too: every event is distinct, and the same on every run.
  const push = (...more: object[]) => events.push(...more.map((e) => ({ ...e, id: `two-${seed}-${events.length}` })));
  while (events.length < count) {
    const img = pick(images);
    const repository = pick(repos);
    const roll = random();
    if (roll < 0.3) {
      for (const blob of img.blobPushes) push({ ...blob, timestamp: timestamp(), target: { ...blob.target, repository } });
      push(img.push({ repository, tag: pick(tags), timestamp: timestamp() }));
    } else if (roll < 0.55) push(pullManifest({ repository, digest: img.digest, tag: pick(tags), timestamp: timestamp() }));
    else if (roll < 0.7) push(pullManifest({ repository, digest: img.digest, method: "HEAD", timestamp: timestamp() }));
    else if (roll < 0.78) push(pullBlob({ repository, digest: pick(layers), timestamp: timestamp() }));
    else if (roll < 0.85) push(mountBlob({ repository, digest: pick(layers), from: pick(repos), timestamp: timestamp() }));
    else if (!withDeletes) continue;
    else if (roll < 0.93) push(deleteTag({ repository, tag: pick(tags), timestamp: timestamp() }));
    else push(deleteDigest({ repository, digest: random() < 0.5 ? img.digest : pick(layers), timestamp: timestamp() }));
  }
  return events;
}

// Columns that say when or how often this process did its work, not what the registry did; fetch_jobs
// is left out whole: whether a manifest's references had to be fetched depends on which event came first.
// A registry instance's first_event is the earliest event of the batch it was first seen in: which batch
// that is depends on how deliveries were grouped.
const volatile = new Set([
  "received",
  "detected",
  "first_event",
  "refreshed",
  "applied",
  "created",
  "updated",
  "next_attempt",
  "attempts",
  "state",
  "last_error",
]);

/** Every regstat table, whole, in a stable order. */
async function dump(db: Db) {
  const columns = await db.query<{ table_name: string; column_name: string }>(
    `select table_name, column_name from information_schema.columns
     where table_schema = 'regstat' and table_name not in ('schema_migrations', 'fetch_jobs') order by table_name, ordinal_position`,
  );
  const tables = new Map<string, string[]>();
  for (const c of columns) {
    if (!volatile.has(c.column_name)) tables.set(c.table_name, [...(tables.get(c.table_name) ?? []), c.column_name]);
  }
  const out: Record<string, unknown[]> = {};
  for (const [table, cols] of tables) {
    const list = cols.map((c) => `"${c}"`).join(", ");
    out[table] = await db.query(`select distinct ${list} from regstat.${table} order by ${cols.map((_, i) => i + 1).join(", ")}`);
  }
  return out;
}

/**
 * Delivers one event per envelope as the registry does, resending after a 503 as it would, `concurrency`
 * at once; event i goes to targets[i % targets.length], as a round-robin load balancer would send it.
 */
async function send(targets: RegstatProcess[], events: object[], concurrency: number) {
  const outcomes: { status: number; deadLettered?: number }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < events.length) {
      const i = next++;
      const event = events[i]!;
      const regstat = targets[i % targets.length]!;
      for (;;) {
        const res = await fetch(`${regstat.url}/events`, {
          method: "POST",
          headers: { "content-type": EVENTS_V1 },
          body: JSON.stringify({ events: [event] }),
        });
        const body = (await res.json()) as { dead_lettered?: number };
        outcomes.push({ status: res.status, deadLettered: body.dead_lettered });
        if (res.status !== 503) break;
        await Bun.sleep(100);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

/**
 * Every envelope was in the end applied: answered 200 with nothing dead-lettered. A 503 (the database slower
 * than --db-timeout, as on a loaded machine, one process or two) was resent, as the registry does.
 */
function expectApplied(outcomes: Awaited<ReturnType<typeof send>>) {
  expect(outcomes.filter((o) => o.status !== 200 && o.status !== 503)).toEqual([]);
  expect(outcomes.filter((o) => o.status === 200 && o.deadLettered !== 0)).toEqual([]);
}

let cluster: Cluster;
let shared: Db;
let single: Db;
const processes: RegstatProcess[] = [];
beforeAll(async () => {
  cluster = await startCluster({ password: true, settings: { fsync: "off", max_connections: 60 } });
  const admin = openPostgres(cluster.url, { max: 1 });
  await admin.exec("create database alone");
  await admin.close();
  shared = openPostgres(cluster.url, { max: 2 });
  single = openPostgres(cluster.url.replace(/\/postgres$/, "/alone"), { max: 2 });
});
// Each test's three processes end with it: each may hold its pool's 10 connections, and the cluster
// allows 60 (with concurrent deliveries grouped from the first, the third test's processes found it full).
afterEach(async () => {
  for (const p of processes.splice(0)) if (p.running()) await p.kill("SIGTERM");
});
afterAll(async () => {
  await shared.close();
  await single.close();
  await cluster.destroy();
});

async function startThree() {
  const [a, b, alone] = [cluster.url, cluster.url, cluster.url.replace(/\/postgres$/, "/alone")].map((url) =>
    regstatProcess(["--pg-conn-str", url, "--event-retention", "0"]),
  );
  processes.push(a!, b!, alone!);
  await Promise.all([a!.start(), b!.start(), alone!.start()]);
  return { a: a!, b: b!, alone: alone! };
}

/** Nothing went wrong in the two processes or in PostgreSQL: no 5xx but 503, no error line, no deadlock. */
function expectNoTrouble(...running: RegstatProcess[]) {
  const troubles = running
    .flatMap((p) => p.log.map((l) => JSON.parse(l)))
    .filter((l) => l.level === "error" || (l.status >= 500 && l.status !== 503));
  expect(troubles).toEqual([]);
  expect(cluster.serverLog()).not.toContain("deadlock detected");
}

test(
  "two processes on one PostgreSQL, fed interleaved pushes, pulls and mounts of the same digests and tags at once, end as one process " +
    "fed them",
  async () => {
    const events = history(20261129, 600, false);
    const { a, b, alone } = await startThree();

    // Odd and even envelopes to different processes, sixteen in flight.
    const together = await send([a, b], events, 16);
    console.log(`two processes: ${together.filter((o) => o.status === 503).length} envelopes answered 503 and resent`);
    expectApplied(together);
    // The reference: one process fed the same events the same way.
    expectApplied(await send([alone], events, 16));

    const [two, one] = await Promise.all([dump(shared), dump(single)]);
    expect(two.events).toHaveLength(events.length);
    expect((two.tags as unknown[]).length).toBeGreaterThan(0);
    expect((two.manifest_blob as unknown[]).length).toBeGreaterThan(0);
    expect(two).toEqual(one);
    await expectConsistent(shared);
    await expectConsistent(single);
    expectNoTrouble(a, b);
  },
);

test("with deletes among them too: no errors, no deadlock, every event stored once", async () => {
  await shared.exec(
    "truncate regstat.events, regstat.tags, regstat.deleted_tags, regstat.tag_tombstones, regstat.tag_history, " +
      "regstat.repository_manifests, regstat.repository_blobs",
  );
  const events = history(777, 600, true);
  const { a, b } = await startThree();
  expectApplied(await send([a, b], events, 16));
  const ids = (await shared.query<{ id: string }>("select id from regstat.events order by id")).map((r) => r.id);
  expect(ids).toEqual(events.map((e) => (e as { id: string }).id).sort());
  expect((await shared.query("select 1 from regstat.deletions")).length).toBeGreaterThan(0);
  await expectConsistent(shared);
  expectNoTrouble(a, b);
});

/**
 * A history a real registry could have sent, deletes included: a tag is pulled only while it exists and
 * then names the digest it points at, and only what a repository holds is deleted from it.
 */
function coherentHistory(seed: number, count: number) {
  const random = prng(seed);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const repos = ["two/app", "two/base"];
  const layers = Array.from({ length: 4 }, (_, i) => digestOf(`coherent-layer-${i}`));
  const images = Array.from({ length: 6 }, (_, i) =>
    image(`coherent-${i}`, { repository: repos[i % 2]!, layers: [layers[i % 4]!, layers[(i + 1) % 4]!] }),
  );
  const tags = new Map<string, (typeof images)[number]>(); // "repo:tag" -> image
  const held = new Map<string, Set<string>>(repos.map((r) => [r, new Set<string>()])); // repo -> digests
  let clock = Date.parse("2026-04-01T00:00:00Z");
  const timestamp = () => new Date((clock += 1000)).toISOString();
  const events: object[] = [];
  const add = (e: object) => events.push({ ...e, id: `coherent-${seed}-${events.length}`, timestamp: timestamp() });
  while (events.length < count) {
    const repository = pick(repos);
    const roll = random();
    const live = [...tags].filter(([key]) => key.startsWith(`${repository}:`));
    if (roll < 0.3 || !live.length) {
      const img = pick(images);
      const tag = pick(["latest", "v1", "v2"]);
      for (const blob of img.blobPushes) add({ ...blob, target: { ...blob.target, repository } });
      add(img.push({ repository, tag }));
      tags.set(`${repository}:${tag}`, img);
      for (const d of [img.digest, img.config, ...img.layers]) held.get(repository)!.add(d);
    } else if (roll < 0.6) {
      const [key, img] = pick(live);
      add(pullManifest({ repository, digest: img.digest, tag: key.split(":")[1], references: img.references }));
    } else if (roll < 0.7) {
      const [, img] = pick(live);
      add(pullManifest({ repository, digest: img.digest, references: img.references }));
    } else if (roll < 0.8) {
      add(pullBlob({ repository, digest: pick([...held.get(repository)!].filter((d) => layers.includes(d)).concat(layers[0]!)) }));
    } else if (roll < 0.9) {
      const [key] = pick(live);
      add(deleteTag({ repository, tag: key.split(":")[1]! }));
      tags.delete(key);
    } else {
      const [, img] = pick(live);
      add(deleteDigest({ repository, digest: img.digest }));
      held.get(repository)!.delete(img.digest);
      for (const [key, other] of tags) if (key.startsWith(`${repository}:`) && other.digest === img.digest) tags.delete(key);
    }
  }
  return events;
}

/**
 * What the registry holds now, as regstat knows it. Left out: the deleted_* tables, which keep what a thing
 * looked like when it was deleted (which pulls had arrived by then depends on the order of arrival), and a
 * tag's pull count and time: when a tag's deletion arrives after its re-push, the pulls of its previous
 * life stay counted (the README says so).
 */
async function live(db: Db) {
  return {
    tags: await db.query("select name, manifest_digest, pushed from regstat.tags order by name"),
    manifests: await db.query("select digest from regstat.manifests order by digest"),
    blobs: await db.query("select digest from regstat.blobs order by digest"),
    repository_manifests: await db.query(
      "select * from regstat.repository_manifests where deleted is null order by registry, repository, digest",
    ),
    repository_blobs: await db.query("select * from regstat.repository_blobs where deleted is null order by registry, repository, digest"),
    manifest_blob: await db.query("select * from regstat.manifest_blob order by 1, 2"),
    manifest_children: await db.query("select * from regstat.manifest_children order by 1, 2"),
  };
}

test.each([4242, 777, 20261129, 99])("with deletes (seed %d): two processes and one agree on what the registry holds", async (seed) => {
  for (const db of [shared, single]) {
    await db.exec(`truncate regstat.events, regstat.tags, regstat.deleted_tags, regstat.repository_manifests,
      regstat.repository_blobs, regstat.manifest_blob, regstat.manifest_children, regstat.manifests, regstat.blobs,
      regstat.deleted_manifests, regstat.deleted_blobs, regstat.deleted_manifest_blob, regstat.deletions, regstat.fetch_jobs,
      regstat.tag_history, regstat.tag_tombstones cascade`);
  }
  const events = coherentHistory(seed, 600);
  const { a, b, alone } = await startThree();
  expectApplied(await send([a, b], events, 16));
  expectApplied(await send([alone], events, 16));
  const [two, one] = await Promise.all([live(shared), live(single)]);
  expect((two.tags as unknown[]).length).toBeGreaterThan(0);
  expect(two).toEqual(one);
  await expectConsistent(shared);
  await expectConsistent(single);
});
