import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { describeReports } from "../../src/reports/run.ts";
import { testApp } from "../support/app.ts";
import { freshDb } from "../support/db.ts";
import { deleteDigest, digestOf, image, pullManifest } from "../support/events.ts";
import { prng } from "../support/prng.ts";
import { type App, daysAgo, deliver, report } from "./support.ts";

// Every parameter of every report, given random and hostile text: each answer is 200 or 400, never 5xx.
const seed = Number(process.env.REGSTAT_FUZZ_SEED ?? 12);
const CASES_PER_PARAMETER = 60;

let db: Db;
let app: App;
const cursors = new Map<string, string>();
beforeAll(async () => {
  db = await freshDb();
  app = testApp(db);
  for (const n of [1, 2, 3]) {
    const img = image(`h${n}`, { repository: `team/app${n}`, tag: `v${n}` });
    await deliver(
      app,
      ...img.blobPushes.map((e) => ({ ...e, timestamp: daysAgo(n) })),
      img.push({ timestamp: daysAgo(n) }),
      pullManifest({ repository: `team/app${n}`, digest: img.digest, tag: `v${n}`, timestamp: daysAgo(0, n) }),
    );
  }
  await deliver(app, deleteDigest({ repository: "team/app1", digest: digestOf("never seen") }));
  // A real cursor of each list report: the mutations below start from it.
  for (const r of describeReports()) {
    if (!r.parameters.some((p) => p.name === "cursor")) continue;
    const params: Record<string, string | number> = { limit: 1 };
    if (r.name === "older-than") params.days = 0;
    if (r.name === "not-pulled") params.days = 0;
    if (r.name.startsWith("cleanup")) params.tag = ".";
    const answer = await report(app, r.name, params);
    if (answer.next_cursor) cursors.set(r.name, answer.next_cursor);
  }
}, 120_000);
afterAll(() => db.close());

const hostile = [
  "",
  " ",
  "0",
  "-1",
  "1e309",
  "NaN",
  "Infinity",
  "9".repeat(400),
  "0x10",
  "1.5",
  "-0",
  "+1",
  "1000000000d",
  "999999999999d",
  "36501d",
  "36500d",
  "1e3d",
  "0.0000001ms",
  "99999999999999999999ms",
  "1h1m",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "\udfff",
  "\ufffe",
  "💥",
  "a".repeat(256),
  "a".repeat(5000),
  "'; drop table regstat.events; --",
  "%00",
  "%",
  "\\",
  '"',
  "$1",
  "null",
  "true",
  "false",
  "[]",
  "{}",
  "0000-01-01",
  "0001-01-01T00:00:00+01:00",
  "9999-12-31T23:59:59-15:00",
  "2026-02-30",
  "2026-13-01",
  "2026-01-01T25:00:00Z",
  "2026-01-01T00:00:00+99:00",
  "275760-09-13",
  "-271821-04-20",
  "infinity",
  "-infinity",
  "epoch",
  "now",
  "today",
  "allballs",
];

const keyParts: unknown[] = [
  "",
  "\u0000",
  "\ud800",
  "x".repeat(2000),
  "-infinity",
  "infinity",
  "0000-01-01",
  "2026-02-30T00:00:00+00:00",
  "2026-01-01T00:00:00+00:00",
  "2026-01-01 00:00:00.123456+00",
  "not a time",
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  2 ** 63,
  null,
  true,
  [],
  {},
  ["nested"],
];

function randomText(random: () => number): string {
  const length = Math.floor(random() * 40);
  let text = "";
  for (let i = 0; i < length; i++) {
    const pick = random();
    text +=
      pick < 0.6
        ? String.fromCharCode(32 + Math.floor(random() * 95))
        : pick < 0.8
          ? String.fromCharCode(Math.floor(random() * 0x10000))
          : pick < 0.9
            ? "0123456789dhms"[Math.floor(random() * 14)]
            : String.fromCharCode(Math.floor(random() * 32));
  }
  return text;
}

const encode = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString("base64url");

/** A cursor like the real one, with parts swapped for hostile values, added or removed. */
function mutatedCursor(random: () => number, name: string): string {
  const real = cursors.get(name);
  const parts = real ? (JSON.parse(Buffer.from(real, "base64url").toString()) as unknown[]) : [name, ""];
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const choice = random();
  if (choice < 0.7) parts[1 + Math.floor(random() * Math.max(1, parts.length - 1))] = pick(keyParts);
  else if (choice < 0.8) parts.push(pick(keyParts));
  else if (choice < 0.9) parts.pop();
  else return pick([randomText(random), "!!!", "%%%", encode([name]), Buffer.from(randomText(random)).toString("base64url")]);
  return encode(parts);
}

test("thousands of random and hostile values for every parameter of every report: 200 or 400, never 5xx", async () => {
  const random = prng(seed);
  const failures: string[] = [];
  let sent = 0;
  for (const r of describeReports()) {
    for (const parameter of [...r.parameters.map((p) => p.name), "format"]) {
      for (let i = 0; i < CASES_PER_PARAMETER; i++) {
        const value =
          parameter === "cursor" && random() < 0.6 ? mutatedCursor(random, r.name) : i < hostile.length ? hostile[i]! : randomText(random);
        const query = new URLSearchParams({ [parameter]: value });
        // The report's required parameter, so that the one under test is what is checked.
        if (r.name === "older-than" && parameter !== "days") query.set("days", "0");
        if (r.name === "not-pulled" && parameter !== "days" && parameter !== "months") query.set("days", "0");
        if (r.name.startsWith("cleanup")) query.set(parameter === "tag" ? "keep_last" : "tag", parameter === "tag" ? "1" : ".");
        const response = await app.app.request(`/reports/${r.name}?${query}`);
        sent++;
        if (response.status !== 200 && response.status !== 400) {
          failures.push(`${r.name}?${parameter}=${JSON.stringify(value)}: ${response.status} ${await response.text()}`);
        } else await response.arrayBuffer();
      }
    }
  }
  expect(sent).toBeGreaterThan(1500);
  expect(failures).toEqual([]);
}, 600_000);

test("the values that used to answer 500 answer 400 naming the parameter", async () => {
  for (const [name, query, parameter] of [
    ["deletions", "since=1000000000d", "since"],
    ["orphaned-blobs", "grace=999999999999d", "grace"],
    ["images", "registry=%00", "registry"],
    ["images", `cursor=${encode(["images", "\u0000", "", ""])}`, "cursor"],
    ["older-than", `days=1&cursor=${encode(["older-than", "yesterday", "", "", ""])}`, "cursor"],
    ["most-tagged", `cursor=${encode(["most-tagged", 1e308, ""])}`, "cursor"],
  ] as const) {
    const response = await app.app.request(`/reports/${name}?${query}`);
    expect({ name, status: response.status }).toEqual({ name, status: 400 });
    expect(((await response.json()) as any).error.details.parameter).toBe(parameter);
  }
});
