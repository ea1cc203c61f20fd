import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { refusalCause } from "../../src/db/db.ts";
import { migrate } from "../../src/db/migrate.ts";
import { openPostgres } from "../../src/db/postgres.ts";
import { createLogger } from "../../src/log.ts";
import { testApp } from "../support/app.ts";
import { dbKind, freshDb, freshPostgresDatabase, testPgUrl } from "../support/db.ts";
import { digestOf, envelope, pullBlob, pushBlob } from "../support/events.ts";
import { holdTableLock } from "../support/locks.ts";
import { postgresServer } from "../support/postgres-cluster.ts";

setDefaultTimeout(60_000);

// Long enough that what the webhook answers is the database's error, not its own deadline.
const args = ["--db-timeout", "60s"];

let db: Db;
let lines: string[];
beforeEach(async () => {
  db = await freshDb();
  lines = [];
});
afterEach(() => db.close());

const log = () => createLogger({ sink: (l) => lines.push(l), json: true, level: "debug" });
const count = async (table: string) => (await db.query<{ n: number }>(`select count(*)::int as n from regstat.${table}`))[0]!.n;

/** A trigger that makes every insert into regstat.events fail with this SQLSTATE: any class, on either database. */
async function failInserts(sqlstate: string) {
  await db.exec(`
    create or replace function regstat.test_fail() returns trigger language plpgsql as $$
    begin raise exception 'injected failure' using errcode = '${sqlstate}'; end $$;
    create trigger test_fail before insert on regstat.events for each statement execute function regstat.test_fail();`);
}
/** The test database's URL, as the test's user or another. */
async function urlOf(login?: { user: string; password: string }) {
  const url = new URL(testPgUrl!);
  url.pathname = `/${(await db.query<{ d: string }>("select current_database() as d"))[0]!.d}`;
  if (login) [url.username, url.password] = [login.user, login.password];
  return url.toString();
}
const healed = () => db.exec("drop trigger test_fail on regstat.events");

async function post(app: ReturnType<typeof testApp>, body: unknown) {
  const res = await app.post(body);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const metric = async (app: ReturnType<typeof testApp>, series: string) => {
  const text = await (await app.app.request("/metrics")).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(" ")[1]) : 0;
};

describe("which database errors make dead letters", () => {
  for (const [sqlstate, cause] of [
    ["22003", "data"],
    ["22P02", "data"],
    ["23502", "schema"],
    ["23514", "schema"],
  ] as const) {
    test(`${sqlstate} is the event's or the schema's: kept as dead letters (${cause}), 200`, async () => {
      await failInserts(sqlstate);
      const app = testApp(db, { args, log: log() });
      const sent = pushBlob({ repository: "demo/app", digest: digestOf(sqlstate) });
      const answer = await post(app, envelope(sent));
      expect(answer).toEqual({ status: 200, body: { stored: 0, duplicates: 0, dead_lettered: 1 } });
      const [row] = await db.query<{ cause: string; reason: string; event: unknown }>(
        "select cause, reason, event from regstat.dead_letters",
      );
      expect(row!.cause).toBe(cause);
      expect(row!.reason).toContain(sqlstate);
      // The whole event as the registry sent it, so that it can be replayed.
      expect(row!.event).toEqual(sent);
      expect(await metric(app, `regstat_dead_letters_total{cause="${cause}"}`)).toBe(1);
      const logged = lines.map((l) => JSON.parse(l)).find((l) => l.msg.startsWith("envelope dead-lettered"));
      expect(logged.level).toBe(cause === "schema" ? "error" : "warn");
    });
  }

  for (const sqlstate of ["57014", "53200", "42501", "40001", "XX000", "P0001", "54001"]) {
    test(`${sqlstate} answers 503 and writes nothing; the registry's retry stores the events`, async () => {
      await failInserts(sqlstate);
      const app = testApp(db, { args, log: log() });
      const sent = envelope(pushBlob({ repository: "demo/app", digest: digestOf(sqlstate) }));
      const answer = await post(app, sent);
      expect(answer.status).toBe(503);
      expect(answer.body.error.code).toBe(sqlstate === "40001" ? "database_unavailable" : "database_error");
      expect(await count("dead_letters")).toBe(0);
      expect(await count("events")).toBe(0);
      // A conflict is retried and not worth an error line; anything else someone should look at.
      if (sqlstate !== "40001") expect(lines.some((l) => JSON.parse(l).level === "error")).toBe(true);
      await healed();
      expect(await post(app, sent)).toMatchObject({ status: 200, body: { stored: 1 } });
    });
  }

  test("an error without a SQLSTATE answers 503", () => {
    expect(refusalCause(new Error("no code"))).toBeUndefined();
    expect(refusalCause({ code: "ECONNRESET" })).toBeUndefined();
    expect(refusalCause({ code: "22003" })).toBe("data");
  });

  test("a closed database answers 503, not dead letters", async () => {
    const other = await freshDb();
    const closedApp = testApp(other, { args });
    await other.close();
    const answer = await post(closedApp, envelope(pushBlob({ repository: "demo/app", digest: digestOf("closed") })));
    expect(answer.status).toBe(503);
  });
});

describe("real causes", () => {
  test(
    "a NOT NULL regstat's own rules cannot keep (the original's pushed): error log, dead letter by cause schema, whole " + "event",
    async () => {
      await db.exec("alter table regstat.blobs alter column pushed set not null");
      const app = testApp(db, { args, log: log() });
      const sent = pullBlob({ repository: "demo/app", digest: digestOf("never pushed") });
      expect(await post(app, envelope(sent))).toMatchObject({ status: 200, body: { dead_lettered: 1 } });
      const [row] = await db.query<{ cause: string; reason: string; event: unknown }>(
        "select cause, reason, event from regstat.dead_letters",
      );
      expect(row).toMatchObject({ cause: "schema", event: sent });
      expect(row!.reason).toContain("23502");
      expect(await metric(app, 'regstat_dead_letters_total{cause="schema"}')).toBe(1);
      expect(await metric(app, 'regstat_dead_letters_total{cause="event"}')).toBe(0);
      expect(
        lines
          .map((l) => JSON.parse(l))
          .filter((l) => l.level === "error")
          .map((l) => l.msg),
      ).toEqual(["envelope dead-lettered by a constraint of regstat's own schema: replay it once fixed"]);
    },
  );

  test("a revoked privilege (42501) answers 503 and loses nothing", async () => {
    await db.exec(`
      create role regstat_denied login password 'denied';
      grant usage on schema regstat to regstat_denied;
      grant select, insert, update, delete on all tables in schema regstat to regstat_denied;
      grant usage on all sequences in schema regstat to regstat_denied;
      revoke insert on regstat.events from regstat_denied;`);
    let denied = db;
    if (dbKind === "postgres") denied = openPostgres(await urlOf({ user: "regstat_denied", password: "denied" }));
    else await db.exec("set role regstat_denied");
    try {
      const app = testApp(denied, { args });
      const sent = envelope(pushBlob({ repository: "demo/app", digest: digestOf("denied") }));
      const answer = await post(app, sent);
      expect(answer.status).toBe(503);
      if (dbKind === "pglite") await db.exec("reset role");
      expect(await count("dead_letters")).toBe(0);
      expect(await count("events")).toBe(0);
    } finally {
      if (dbKind === "postgres") await denied.close();
      else await db.exec("reset role");
      await db.exec("drop owned by regstat_denied; drop role regstat_denied");
    }
  });
});

// PGlite has neither: it runs no timer inside a statement and has one backend. So these run on the tests'
// PostgreSQL, or a throwaway one, in every run.
describe("on PostgreSQL: a statement timeout and a cancelled backend", () => {
  let server: Awaited<ReturnType<typeof postgresServer>>;
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  let pg: Db;
  beforeAll(async () => (server = await postgresServer()));
  afterAll(() => server.stop());
  beforeEach(async () => {
    database = await freshPostgresDatabase(server.url);
    pg = openPostgres(database.url);
    await migrate(pg);
  });
  afterEach(async () => {
    await pg.close();
    await database.drop();
  });
  const deadLetters = async () => (await pg.query<{ n: number }>("select count(*)::int as n from regstat.dead_letters"))[0]!.n;

  const lockedEvents = () => holdTableLock(database.url, "regstat.events");

  test("57014 from statement_timeout answers 503", async () => {
    await pg.exec("do $$ begin execute format('alter database %I set statement_timeout = 300', current_database()); end $$");
    const timed = openPostgres(database.url);
    const lock = await lockedEvents();
    try {
      const answer = await post(testApp(timed, { args }), envelope(pushBlob({ repository: "demo/app", digest: digestOf("timeout") })));
      expect(answer.status).toBe(503);
      expect(answer.body.error.code).toBe("database_error");
    } finally {
      await lock.release();
      await timed.close();
    }
    expect(await deadLetters()).toBe(0);
  });

  test("57014 from pg_cancel_backend answers 503", async () => {
    const lock = await lockedEvents();
    try {
      const pending = post(testApp(pg, { args }), envelope(pushBlob({ repository: "demo/app", digest: digestOf("cancel") })));
      const admin = openPostgres(database.url, { max: 1 });
      let cancelled = false;
      for (let i = 0; i < 200 && !cancelled; i++) {
        const rows = await admin
          .query<{ ok: boolean }>(
            "select pg_cancel_backend(pid) as ok from pg_stat_activity where application_name = 'regstat' and wait_event_type = 'Lock' " +
              "and datname = current_database()",
          )
          .catch(() => []);
        cancelled = rows.some((r) => r.ok);
        if (!cancelled) await Bun.sleep(25);
      }
      await admin.close();
      expect(cancelled).toBe(true);
      const answer = await pending;
      expect(answer.status).toBe(503);
      expect(answer.body.error.code).toBe("database_error");
    } finally {
      await lock.release();
    }
    expect(await deadLetters()).toBe(0);
  });
});

test("a dead letter with NUL or a lone surrogate in an object key is written", async () => {
  const app = testApp(db, { args });
  const bad = { id: "bad-keys", action: "push", "\u0000": 1, "a\ud800": { "\udfff\u0000": "x" } };
  expect(await post(app, JSON.stringify(envelope(bad as never)))).toMatchObject({ status: 200, body: { dead_lettered: 1 } });
  const [row] = await db.query<{ event: Record<string, unknown> }>("select event from regstat.dead_letters");
  expect(Object.keys(row!.event).sort()).toEqual(["a\ufffd", "action", "id", "\ufffd"].sort());
  // And kept whole when the database refuses an otherwise good event carrying such a key.
  await failInserts("22003");
  const good = { ...pushBlob({ repository: "demo/app", digest: digestOf("keys") }), "\u0000x": "y" };
  expect(await post(app, JSON.stringify(envelope(good)))).toMatchObject({ status: 200, body: { dead_lettered: 1 } });
});
