import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { testApp } from "../support/app.ts";
import { expectConsistent } from "../support/check.ts";
import { freshDb } from "../support/db.ts";
import { deleteDigest, deleteTag, digestOf, envelope, image, mountBlob, pullManifest, pushBlob } from "../support/events.ts";
import { prng } from "../support/prng.ts";

// Change the seed to explore; a failure names the seed and the case number, which replay it exactly.
const SEED = Number(process.env.REGSTAT_FUZZ_SEED ?? 5_2026);
const CASES = 2500;

const random = prng(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]) => items[int(items.length)]!;
let serial = 0;
const nextId = () => `fuzz-${SEED}-${serial++}`;

const nest = (depth: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = random() < 0.5 ? [value] : { a: value };
  return value;
};
const nasty: (() => unknown)[] = [
  () => null,
  () => true,
  () => 0,
  () => -1,
  () => 1.5,
  () => 2 ** 64,
  () => 1e308,
  () => "",
  () => " ",
  () => "x".repeat(1 + int(300_000)),
  () => "ünïcødé 🐳 \u202e\u0000\ud800 ᚠ",
  () => `sha256:${"f".repeat(64)}`,
  () => "../../etc/passwd",
  () => "'; drop table regstat.events; --",
  () => [],
  () => [1, "two", null],
  () => ({}),
  () => ({ nested: { deeper: ["x"] } }),
  () => nest(1 + int(40)),
  () => nest(1000 + int(20_000)),
  () => new Date().toISOString(),
  () => "2026-13-45T99:99:99Z",
];

/** A realistic event in a fuzz/ repository, on fuzz digests only. */
function validEvent(): Record<string, any> {
  const repository = `fuzz/r${int(4)}`;
  const img = image(`fuzz-${int(20)}`, { repository, tag: pick(["v1", "v2", "latest"]) });
  const made = pick([
    () => img.push(),
    () => img.blobPushes[0]!,
    () => pullManifest({ repository, digest: img.digest, tag: "v1" }),
    () => pullManifest({ repository, digest: img.digest, method: "HEAD" }),
    () => mountBlob({ repository, digest: img.layers[0]!, from: "fuzz/r0" }),
    () => deleteTag({ repository, tag: "v2" }),
    () => deleteDigest({ repository, digest: img.digest }),
    () => pushBlob({ repository, digest: digestOf(`fuzz-blob-${int(50)}`) }),
  ])();
  return { ...structuredClone(made), id: nextId() };
}

/** Paths to every value inside an event, for mutation. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== "object" || prefix.length >= 6) return [prefix];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [prefix, ...keys.flatMap((k) => paths((value as any)[k], [...prefix, k]))];
}

function mutate(event: Record<string, any>) {
  for (let n = 1 + int(3); n > 0; n--) {
    const all = paths(event).filter((p) => p.length > 0);
    const path = pick(all);
    const parent = path.slice(0, -1).reduce((v: any, k) => v[k], event);
    const key = path.at(-1)!;
    const roll = random();
    if (roll < 0.3 && !Array.isArray(parent)) delete parent[key];
    else if (roll < 0.9) parent[key] = pick(nasty)();
    else parent[`extra_${int(1000)}`] = pick(nasty)();
  }
  return event;
}

type Case = { name: string; body: string; contentType?: string; expect: { status: number; code?: string; allValid?: boolean } };
const LIMIT = 1024 * 1024;

/** The answer the core defines for a body, worked out independently of regstat. */
function expected(body: string): Case["expect"] {
  if (Buffer.byteLength(body) > LIMIT) return { status: 413, code: "body_too_large" };
  let parsed: any;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { status: 400, code: "invalid_json" };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed) || !Array.isArray(parsed.events)) {
    return { status: 400, code: "invalid_envelope" };
  }
  if (parsed.events.length > 1000) return { status: 413, code: "too_many_events" };
  return { status: 200 };
}

const seedIds: string[] = [];
/** What identifies the seed image's rows: its repository and its digests. */
const seedMarks = ["seed/app"];
const sentIds: string[] = [];

function makeCase(): Case {
  const roll = random();
  if (roll < 0.25) {
    const events = Array.from({ length: 1 + int(5) }, validEvent);
    sentIds.push(...events.map((e) => e.id));
    return { name: "valid", body: JSON.stringify(envelope(...events)), expect: { status: 200, allValid: true } };
  }
  if (roll < 0.7) {
    const events = Array.from({ length: 1 + int(4) }, () => mutate(validEvent()));
    return { name: "mutated", body: JSON.stringify({ events }), expect: { status: 200 } };
  }
  if (roll < 0.8) {
    // Redelivered ids carrying other content: a no-op, whatever the content says now.
    const events = Array.from({ length: 1 + int(3) }, () => ({ ...mutate(validEvent()), id: pick([...seedIds, ...sentIds]) }));
    return { name: "duplicate ids", body: JSON.stringify({ events }), expect: { status: 200 } };
  }
  const garbage = pick([
    () => JSON.stringify({ events: [validEvent()] }).slice(0, 1 + int(100)),
    () => String.fromCharCode(...Array.from({ length: 1 + int(200) }, () => int(65536))),
    () => JSON.stringify(pick(nasty)()),
    () => JSON.stringify({ events: pick(nasty)() }),
    () => JSON.stringify({ Events: [validEvent()] }),
    () => JSON.stringify({ events: Array.from({ length: 1001 }, () => ({})) }),
    () => JSON.stringify({ events: [{ id: nextId(), pad: "x".repeat(LIMIT) }] }),
    () => "[".repeat(100_000) + "]".repeat(100_000),
    () => `{"events":${"[".repeat(200_000)}${"]".repeat(200_000)}}`,
    () => `{"events":[${JSON.stringify(validEvent())}], "events": 5}`,
  ])();
  return { name: "garbage", body: garbage, expect: expected(garbage) };
}

let db: Db;
let harness: ReturnType<typeof testApp>;
const count = async (table: string) => (await db.query<{ n: number }>(`select count(*)::int as n from regstat.${table}`))[0]!.n;
const seedState = () =>
  Promise.all(
    ["manifests", "blobs", "tags", "repository_manifests", "repository_blobs", "tag_history", "manifest_blob"].map((t) =>
      db.query(`select * from regstat.${t}`).then((rows) =>
        rows
          .map((r) => JSON.stringify(r))
          .filter((r) => seedMarks.some((m) => r.includes(m)))
          .sort(),
      ),
    ),
  );

/** Every regstat table but the dead letters, whole (a duplicate id with content that is not valid now is dead-lettered). */
let wholeStateQuery: string | undefined;
async function wholeState() {
  wholeStateQuery ??= await stateQuery();
  return (await db.query(wholeStateQuery))[0];
}
async function stateQuery() {
  const tables = await db.query<{ name: string }>(
    `select table_name as name from information_schema.tables
     where table_schema = 'regstat' and table_type = 'BASE TABLE' and table_name <> 'dead_letters' order by 1`,
  );
  const columns = tables.map(({ name }) => `(select coalesce(json_agg(t::text order by t::text), '[]') from regstat.${name} t) as ${name}`);
  return `select ${columns.join(", ")}`;
}

beforeAll(async () => {
  db = await freshDb();
  harness = testApp(db);
  const img = image("seed-image", { repository: "seed/app", tag: "stable" });
  const seed = [...img.blobPushes, img.push(), pullManifest({ repository: "seed/app", digest: img.digest, tag: "stable" })];
  seedIds.push(...seed.map((e) => e.id));
  seedMarks.push(img.digest, img.config, ...img.layers);
  expect((await harness.post(envelope(...seed))).status).toBe(200);
});
afterAll(() => db.close());

test(`${CASES} generated and mutated envelopes (seed ${SEED}): each gets its defined answer, nothing else changes, regstat keeps ` +
  `serving`, async () => {
  const before = await seedState();
  expect(before.every((rows) => rows.length > 0)).toBe(true);
  const eventsBefore = await count("events");
  let storedTotal = 0;
  const tally = new Map<string, number>();
  for (let i = 0; i < CASES; i++) {
    const c = makeCase();
    const stateBefore = c.name === "duplicate ids" ? await wholeState() : undefined;
    const rowsBefore = c.expect.status === 200 ? 0 : (await count("events")) + (await count("dead_letters"));
    const res = await harness.app.request("/events", {
      method: "POST",
      headers: { "content-type": "application/vnd.docker.distribution.events.v1+json" },
      body: c.body,
    });
    const answer = (await res.json()) as any;
    const where = `seed ${SEED} case ${i} (${c.name}): ${c.body.slice(0, 200)}`;
    expect({ where, status: res.status }).toEqual({ where, status: c.expect.status });
    tally.set(`${c.name} ${res.status}`, (tally.get(`${c.name} ${res.status}`) ?? 0) + 1);
    if (res.status === 200) {
      const events = JSON.parse(c.body).events.length;
      expect({ where, sum: answer.stored + answer.duplicates + answer.dead_lettered }).toEqual({ where, sum: events });
      if (c.expect.allValid) expect({ where, dead: answer.dead_lettered }).toEqual({ where, dead: 0 });
      if (stateBefore) {
        // every id was seen before: nothing is stored, and no table but the dead letters changes
        expect({ where, stored: answer.stored }).toEqual({ where, stored: 0 });
        expect({ where, state: await wholeState() }).toEqual({ where, state: stateBefore });
      }
      storedTotal += answer.stored;
    } else {
      expect({ where, code: answer.error.code }).toEqual({ where, code: c.expect.code! });
      expect((await count("events")) + (await count("dead_letters"))).toBe(rowsBefore);
    }
  }
  console.log(`fuzz seed ${SEED}:`, Object.fromEntries([...tally].sort()));

  // Only what was answered as stored was added to the event log, and the seed image is as it was.
  expect(await count("events")).toBe(eventsBefore + storedTotal);
  expect(await seedState()).toEqual(before);
  // Every dead letter is small enough to keep, however large or deep the event was.
  const largest = await db.query<{ n: number }>("select max(length(event::text))::int as n from regstat.dead_letters");
  expect(largest[0]!.n).toBeLessThan(20_000);
  await expectConsistent(db);
  // Still serving.
  expect((await harness.app.request("/healthz")).status).toBe(200);
  expect((await harness.post(envelope(validEvent()))).status).toBe(200);
}, 600_000);
