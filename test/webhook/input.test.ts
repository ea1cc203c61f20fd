import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:net";
import type { Db } from "../../src/db/db.ts";
import { openPostgres } from "../../src/db/postgres.ts";
import { testApp } from "../support/app.ts";
import { freshDb } from "../support/db.ts";
import { digestOf, envelope, image, pushBlob } from "../support/events.ts";
import { EVENTS_V1 } from "../support/fixtures.ts";

let db: Db;
beforeAll(async () => (db = await freshDb()));
afterAll(() => db.close());

const count = async (table: string) => (await db.query<{ n: number }>(`select count(*)::int as n from regstat.${table}`))[0]!.n;

describe("what the webhook refuses", () => {
  test("a body that is not JSON: 400 invalid_json, nothing stored", async () => {
    const response = await testApp(db).post("{not json");
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: "invalid_json", message: "the body is not JSON" } });
    expect(await count("events")).toBe(0);
  });

  test("JSON without an events array: 400 invalid_envelope naming the problem", async () => {
    for (const body of [{}, { events: "x" }, [], null, 42]) {
      const response = await testApp(db).post(body);
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("invalid_envelope");
      expect(error.message).toContain("events");
    }
  });

  test("a content type that is not a notification: 415", async () => {
    const response = await testApp(db).post(envelope(), { "content-type": "text/plain" });
    expect(response.status).toBe(415);
  });

  test("all three notification content types are accepted", async () => {
    for (const type of [EVENTS_V1, "application/vnd.docker.distribution.events.v2+json", "application/json; charset=utf-8"]) {
      expect((await testApp(db).post(envelope(), { "content-type": type })).status).toBe(200);
    }
  });

  test("a body over the limit: 413, nothing stored", async () => {
    const { post } = testApp(db, { args: ["--body-limit", "2k"] });
    const events = Array.from({ length: 20 }, (_, i) => pushBlob({ repository: "big/one", digest: digestOf(`big${i}`) }));
    const response = await post(envelope(...events));
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("body_too_large");
    expect(await count("events")).toBe(0);
  });

  test("more events than --max-events: 413 too_many_events", async () => {
    const { post } = testApp(db, { args: ["--max-events", "3"] });
    const events = Array.from({ length: 4 }, (_, i) => pushBlob({ repository: "many/one", digest: digestOf(`many${i}`) }));
    expect((await post(envelope(...events))).status).toBe(413);
  });

  test("unknown paths and methods: 404 in the error shape", async () => {
    const { app } = testApp(db);
    const response = await app.request("/nope");
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });
});

describe("events regstat cannot interpret are dead-lettered, the rest applied", () => {
  test("unknown action, unknown media type, missing digest, bad fields: 200, kept with the reason", async () => {
    const good = pushBlob({ repository: "dl/app", digest: digestOf("dl-good") });
    const unknownAction = { ...pushBlob({ repository: "dl/app", digest: digestOf("dl-1") }), action: "teleport" };
    const unknownType = pushBlob({ repository: "dl/app", digest: digestOf("dl-2") });
    unknownType.target.mediaType = "application/x-unknown";
    unknownType.target.url = "http://registry.test:5000/v2/dl/app/whatever";
    const noDigest = pushBlob({ repository: "dl/app", digest: digestOf("dl-3") }) as Record<string, any>;
    delete noDigest.target.digest;
    const badRepo = pushBlob({ repository: "Not A Repo!", digest: digestOf("dl-4") });
    const notAnObject = "just a string";
    const response = await testApp(db).post(envelope(good, unknownAction, unknownType, noDigest, badRepo, notAnObject));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ stored: 1, duplicates: 0, dead_lettered: 5 });
    const reasons = await db.query<{ id: string; reason: string }>("select id, reason from regstat.dead_letters order by received, id");
    const byId = Object.fromEntries(reasons.map((r) => [r.id, r.reason]));
    expect(byId[unknownAction.id]).toBe('unknown action "teleport"');
    expect(byId[unknownType.id]).toBe('unknown media type "application/x-unknown"');
    expect(byId[noDigest.id]).toBe("a push event must name a digest");
    expect(byId[badRepo.id]).toContain("target.repository: not a valid repository name");
    expect(reasons.some((r) => r.id.startsWith("sha256:") && r.reason.length > 0)).toBe(true);
    expect(await db.query("select digest from regstat.blobs where digest = $1", [good.target.digest])).toHaveLength(1);
  });

  test("a NUL character, which PostgreSQL text cannot hold, is replaced and the event stored", async () => {
    const event = pushBlob({ repository: "dl/nul", digest: digestOf("dl-nul") });
    event.request.useragent = "evil\u0000agent \\u0000 kept";
    expect(await (await testApp(db).post(envelope(event))).json()).toEqual({ stored: 1, duplicates: 0, dead_lettered: 0 });
    const [row] = await db.query<{ user_agent: string }>("select user_agent from regstat.events where id = $1", [event.id]);
    expect(row!.user_agent).toBe("evil\ufffdagent \\u0000 kept");
  });

  test("event ids of any shape the registries send are stored as given: UUIDv4 (2.8, 3.0), UUIDv7 (3.1)", async () => {
    const ids = ["3f2c9b4e-8d1a-4f6b-9c2e-7a5d1e0b3c48", "019ad5c2-7e41-7b3a-9f0c-2d4e6a8b1c35"];
    const events = ids.map((id, i) => pushBlob({ id, repository: "ids/app", digest: digestOf(`ids-${i}`) }));
    expect(await (await testApp(db).post(envelope(...events))).json()).toEqual({ stored: 2, duplicates: 0, dead_lettered: 0 });
    expect(await db.query("select id from regstat.events where id = any($1::text[]) order by id", [ids])).toEqual(
      ids.sort().map((id) => ({ id })),
    );
  });

  test("a delete naming neither digest nor tag is dead-lettered", async () => {
    const event = { ...pushBlob({ repository: "dl/app", digest: digestOf("dl-5") }), action: "delete" } as Record<string, any>;
    event.target = { repository: "dl/app" };
    expect(await (await testApp(db).post(envelope(event))).json()).toEqual({ stored: 0, duplicates: 0, dead_lettered: 1 });
  });

  test("a dead letter redelivered is kept once", async () => {
    const event = { ...pushBlob({ repository: "dl/app", digest: digestOf("dl-6") }), action: "teleport" };
    const before = await count("dead_letters");
    await testApp(db).post(envelope(event));
    await testApp(db).post(envelope(event));
    expect(await count("dead_letters")).toBe(before + 1);
  });

  test("a value the database refuses does not stall the registry: the envelope is dead-lettered whole", async () => {
    // Valid ISO 8601, refused by PostgreSQL: there is no year zero.
    const event = pushBlob({ repository: "dl/far", digest: digestOf("dl-far"), timestamp: "0000-01-01T00:00:00Z" });
    const response = await testApp(db).post(envelope(event));
    expect(response.status).toBe(200);
    const [row] = await db.query<{ reason: string }>("select reason from regstat.dead_letters where id = $1", [event.id]);
    expect(row?.reason).toContain("the database refused the event");
    expect(await db.query("select 1 from regstat.events where id = $1", [event.id])).toHaveLength(0);
  });
});

describe("a database that is away gets 503 quickly, so the registry retries", () => {
  let silent: Server;
  let port: number;
  beforeAll(async () => {
    // Accepts connections and never answers, like a database host that has hung.
    silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    port = (silent.address() as { port: number }).port;
  });
  afterAll(() => silent.close());

  for (const [what, url] of [
    ["refusing connections", () => "postgres://nobody@127.0.0.1:1/none"],
    ["not answering", () => `postgres://nobody@127.0.0.1:${port}/none`],
  ] as const) {
    test(`database ${what}: 503 database_unavailable within the deadline`, async () => {
      const away = openPostgres(url(), { max: 1 });
      const { post } = testApp(away, { args: ["--db-timeout", "300ms"] });
      const { push, blobPushes } = image("away", { repository: "away/app", tag: "v1" });
      const started = performance.now();
      const response = await post(envelope(...blobPushes, push()));
      const elapsed = performance.now() - started;
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("database_unavailable");
      expect(elapsed).toBeLessThan(2_000); // generous on a loaded machine: the point is that it does not hang
      await away.close().catch(() => {});
    });
  }
});

describe("probes", () => {
  test("/healthz answers without the database; /readyz says ready once migrated", async () => {
    const { app } = testApp(db);
    expect(await (await app.request("/healthz")).json()).toEqual({ status: "ok" });
    expect(await (await app.request("/readyz")).json()).toEqual({ status: "ready" });
  });

  test("/readyz answers 503 within --db-timeout when the database does not answer", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const away = openPostgres(`postgres://nobody@127.0.0.1:${(silent.address() as { port: number }).port}/none`, { max: 1 });
    const { app } = testApp(away, { args: ["--db-timeout", "200ms"] });
    const started = performance.now();
    const response = await app.request("/readyz");
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "database_unavailable" });
    expect(performance.now() - started).toBeLessThan(2_000);
    silent.close();
    await away.close().catch(() => {});
  });

  test("/readyz says migrating on a database without the schema", async () => {
    const bare = await freshDb({ migrated: false });
    const response = await testApp(bare).app.request("/readyz");
    expect(response.status).toBe(503);
    expect(((await response.json()) as { status: string }).status).toBe("migrating");
    await bare.close();
  });
});
