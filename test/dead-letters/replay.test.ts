import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Db } from "../../src/db/db.ts";
import { testApp } from "../support/app.ts";
import { commandDatabase, freshDb } from "../support/db.ts";
import { digestOf, envelope, pushBlob } from "../support/events.ts";
import { type Captured, folderFixtures } from "../support/fixtures.ts";
import { ingestState } from "../support/state.ts";

const TOKEN = "replay-t0ken";
/** What regstat before v3 support answered for every v3 tag delete. */
const OLD_REASON = "target.digest: not a valid digest";
const isTagDeleteV3 = (c: Captured) => c.body.events[0]!.target.digest === "";

async function post(db: Db, captured: Captured[]) {
  const { post } = testApp(db, { args: ["--webhook-token", TOKEN] });
  for (const request of captured) {
    const response = await post(request.body, { "content-type": request.headers["content-type"]!, authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(200);
  }
}

/** The dead letters an older regstat left: the raw event and the reason it gave. */
const deadLetter = (db: Db, event: unknown, reason: string) =>
  db.query("insert into regstat.dead_letters (id, reason, event) values ($1, $2, $3::jsonb)", [
    (event as { id: string }).id,
    reason,
    JSON.stringify(event),
  ]);

const replay = async (db: Db, authorization = `Bearer ${TOKEN}`) => {
  const response = await testApp(db, { args: ["--webhook-token", TOKEN] }).app.request("/dead-letters/replay", {
    method: "POST",
    headers: { authorization },
  });
  return { status: response.status, body: await response.json() };
};

describe("dead letters replayed by today's rules", () => {
  let upgraded: Db;
  let expected: Awaited<ReturnType<typeof ingestState>>;
  beforeAll(async () => {
    const v3 = await folderFixtures("distribution-3.0-derived");
    const direct = await freshDb();
    await post(direct, v3);
    expected = await ingestState(direct);
    await direct.close();

    // The same history received by a regstat that dead-lettered every v3 tag delete.
    upgraded = await freshDb();
    await post(
      upgraded,
      v3.filter((c) => !isTagDeleteV3(c)),
    );
    for (const c of v3.filter(isTagDeleteV3)) await deadLetter(upgraded, c.body.events[0], OLD_REASON);
  });
  afterAll(() => upgraded.close());

  test("the replay is behind the webhook token", async () => {
    expect((await replay(upgraded, "Bearer wrong")).status).toBe(401);
    expect(await upgraded.query("select count(*)::int as n from regstat.dead_letters")).toEqual([{ n: 2 }]);
  });

  test("after an upgrade one replay applies the v3 tag deletes: the state is as if they had applied on arrival", async () => {
    expect(await ingestState(upgraded)).not.toEqual(expected);
    expect(await replay(upgraded)).toEqual({ status: 200, body: { applied: 2, duplicates: 0, kept: 0 } });
    expect(await upgraded.query("select * from regstat.dead_letters")).toEqual([]);
    expect(await ingestState(upgraded)).toEqual(expected);
  });

  test("a replay twice changes nothing", async () => {
    expect((await replay(upgraded)).body).toEqual({ applied: 0, duplicates: 0, kept: 0 });
    expect(await ingestState(upgraded)).toEqual(expected);
  });

  test("what still does not apply stays, with today's reason; an event already stored just leaves", async () => {
    const db = await freshDb();
    const stored = pushBlob({ repository: "dl/app", digest: digestOf("dl-stored") });
    await post(db, [{ headers: { "content-type": "application/json" }, body: envelope(stored) as never }]);
    await deadLetter(db, stored, "an old rule refused it");
    await deadLetter(db, { ...pushBlob({ repository: "dl/app", digest: digestOf("dl-1") }), action: "teleport" }, "an old reason");
    // Valid ISO 8601 that PostgreSQL refuses (no year zero): the database's reason replaces the old one.
    await deadLetter(db, pushBlob({ repository: "dl/app", digest: digestOf("dl-2"), timestamp: "0000-01-01T00:00:00Z" }), "an old reason");
    expect((await replay(db)).body).toEqual({ applied: 0, duplicates: 1, kept: 2 });
    const kept = await db.query<{ reason: string }>("select reason from regstat.dead_letters order by reason");
    expect(kept.map((r) => r.reason)).toEqual([expect.stringContaining("the database refused the event"), 'unknown action "teleport"']);
    expect(await db.query("select count(*)::int as n from regstat.events")).toEqual([{ n: 1 }]);
    await db.close();
  });
});

describe("regstat dead-letters", () => {
  const main = join(import.meta.dir, "../../src/main.ts");
  let database: Awaited<ReturnType<typeof commandDatabase>>;
  beforeAll(async () => (database = await commandDatabase("dead-letters")));
  afterAll(() => database.drop());
  const run = (...rest: string[]) => {
    const p = Bun.spawnSync(["bun", main, "dead-letters", ...rest, ...database.args], { env: { ...process.env, REGSTAT_PG_CONN_STR: "" } });
    return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
  };

  test("lists each dead letter (time, event id, reason), and replay applies those that now apply", async () => {
    const [tagDelete] = (await folderFixtures("distribution-3.0-derived")).filter(isTagDeleteV3);
    const event = tagDelete!.body.events[0]!;
    const db = await database.open();
    await deadLetter(db, event, OLD_REASON);
    await db.close();

    const listed = run("--format", "json");
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out)).toEqual([
      { received: expect.any(String), id: event.id, action: "delete", repository: "demo/app", reason: OLD_REASON },
    ]);
    expect(run().out.split("\n")[0]).toBe(`received${" ".repeat(16)}  id${" ".repeat(event.id.length - 2)}  action  repository  reason`);
    expect(run("replay")).toMatchObject({ code: 0, out: "applied 1, already stored 0, still dead 0\n" });
    expect(run()).toMatchObject({ code: 0, out: "no dead letters\n" });
    expect(run("--limit", "x").code).toBe(2);
  }, 60_000);
});
