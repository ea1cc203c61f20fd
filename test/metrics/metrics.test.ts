import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../src/app.ts";
import { parseConfig } from "../../src/config.ts";
import type { Db } from "../../src/db/db.ts";
import { registryNames } from "../../src/equiv-registries.ts";
import { Ingestor } from "../../src/ingest/ingestor.ts";
import { createLogger } from "../../src/log.ts";
import { watchDatabase } from "../../src/metrics/database.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { queries } from "../../src/sql.ts";
import { freshDb, stoppablePostgres } from "../support/db.ts";
import { deleteTag, digestOf, envelope, image, pullManifest, pushBlob } from "../support/events.ts";
import { EVENTS_V1 } from "../support/fixtures.ts";
import { parseMetrics } from "./parse.ts";

let db: Db;
beforeAll(async () => (db = await freshDb()));
afterAll(() => db.close());

function setup(args: string[] = [], namedRegistries: string[] = []) {
  const lines: string[] = [];
  const log = createLogger({ json: true, sink: (line) => lines.push(line) });
  const metrics = createMetrics({ namedRegistries });
  const watched = watchDatabase(db, metrics, log);
  // 30 s as testApp waits (support/app.ts): the default 450 ms answers 503 on a loaded machine
  const { config } = parseConfig(["--db-timeout", "30s", ...args], {});
  const app = createApp({ db: watched, ingestor: new Ingestor(watched, log), names: registryNames(), config, log, metrics });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    app.request("/events", {
      method: "POST",
      headers: { "content-type": EVENTS_V1, ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const scrape = async () => {
    const res = await app.request("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    return parseMetrics(await res.text());
  };
  return { app, post, scrape, lines, metrics };
}

describe("GET /metrics", () => {
  test("counts events by action and outcome, and refused envelopes by code", async () => {
    const { post, scrape } = setup();
    const img = image("metrics-1", { repository: "m/app", tag: "v1" });
    const push = img.push();
    expect((await post(envelope(...img.blobPushes, push))).status).toBe(200);
    expect((await post(envelope(push))).status).toBe(200); // redelivered
    const pull = pullManifest({ repository: "m/app", digest: img.digest, tag: "v1" });
    expect((await post(envelope(pull, pull, deleteTag({ repository: "m/app", tag: "v1" })))).status).toBe(200);
    const bad = { id: "bad-1", timestamp: "yesterday", action: "push", target: { repository: "m/app" } };
    expect((await post(envelope(bad, { ...bad, id: "bad-2", action: "replicate" }))).status).toBe(200);
    expect((await post("not json")).status).toBe(400);
    expect((await post({ events: "no" })).status).toBe(400);
    expect((await post({ events: [] }, { "content-type": "text/plain" })).status).toBe(415);

    const m = await scrape();
    expect(m.get('regstat_events_total{action="push",outcome="stored"}')).toBe(3);
    expect(m.get('regstat_events_total{action="push",outcome="duplicate"}')).toBe(1);
    expect(m.get('regstat_events_total{action="pull",outcome="stored"}')).toBe(1);
    expect(m.get('regstat_events_total{action="pull",outcome="duplicate"}')).toBe(1);
    expect(m.get('regstat_events_total{action="delete",outcome="stored"}')).toBe(1);
    expect(m.get('regstat_events_total{action="push",outcome="dead_lettered"}')).toBe(1);
    expect(m.get('regstat_events_total{action="other",outcome="dead_lettered"}')).toBe(1);
    expect(m.get('regstat_webhook_rejected_total{code="invalid_json"}')).toBe(1);
    expect(m.get('regstat_webhook_rejected_total{code="invalid_envelope"}')).toBe(1);
    expect(m.get('regstat_webhook_rejected_total{code="unsupported_media_type"}')).toBe(1);
    expect(m.get("regstat_webhook_duration_seconds_count")).toBe(7);
    expect(m.get('regstat_webhook_duration_seconds_bucket{le="+Inf"}')).toBe(7);
    expect(m.get('regstat_http_requests_total{route="webhook",status="200"}')).toBe(4);
    expect(m.get('regstat_http_requests_total{route="webhook",status="400"}')).toBe(2);
    expect(m.get("regstat_database_up")).toBe(1);
    const last = m.get('regstat_last_event_timestamp_seconds{registry="registry.test:5000"}')!;
    expect(Math.abs(last - Date.now() / 1000)).toBeLessThan(60);
  });

  test("the fetch queue is read from the database: pending, retrying and failed", async () => {
    await db.query(
      `insert into regstat.fetch_jobs (digest, registry, repository, state, attempts)
       select 'sha256:fj' || n, 'r', 'q', case when n <= 2 then 'failed' else 'pending' end, case when n <= 5 then 3 else 0 end
       from generate_series(1, 9) n`,
    );
    const m = await setup().scrape();
    expect(m.get('regstat_fetch_jobs{state="failed"}')).toBe(2);
    expect(m.get('regstat_fetch_jobs{state="retrying"}')).toBe(3);
    expect(m.get('regstat_fetch_jobs{state="pending"}')).toBeGreaterThanOrEqual(4);
    const live = (
      await db.query<{ n: number }>("select count(*)::int as n from regstat.fetch_jobs where state = 'pending' and attempts = 0")
    )[0]!.n;
    expect(m.get('regstat_fetch_jobs{state="pending"}')).toBe(live);
  });

  test("a scrape counts the fetch queue through its partial indexes, never reading the done jobs", async () => {
    await db.query(
      `insert into regstat.fetch_jobs (digest, registry, repository, state, attempts)
       select 'sha256:done' || n, 'r', 'q', 'done', 1 from generate_series(1, 20000) n`,
    );
    try {
      await db.exec("analyze regstat.fetch_jobs");
      const [{ "QUERY PLAN": plan }] = (await db.query<{ "QUERY PLAN": unknown }>(`explain (format json) ${queries.countFetchJobs}`)) as [
        { "QUERY PLAN": unknown },
      ];
      const scans: string[] = [];
      const walk = (node: Record<string, any>) => {
        if (node["Relation Name"] === "fetch_jobs") scans.push(node["Node Type"]);
        for (const child of node.Plans ?? []) walk(child);
      };
      walk((typeof plan === "string" ? JSON.parse(plan) : plan)[0].Plan);
      expect(scans.length).toBe(2);
      expect(scans.filter((s) => !/^(Index|Index Only|Bitmap Heap) Scan$/.test(s))).toEqual([]);
      const m = await setup().scrape();
      expect(m.get('regstat_fetch_jobs{state="failed"}')).toBe(2);
      expect(m.get('regstat_fetch_jobs{state="retrying"}')).toBe(3);
    } finally {
      await db.query("delete from regstat.fetch_jobs where digest like 'sha256:done%'");
    }
  });

  test("database errors are counted by kind, and logged once when the database goes away and once when it is back", async () => {
    const { scrape, metrics, lines, post } = setup();
    const stopping = await stoppablePostgres();
    try {
      const flaky = watchDatabase(stopping.db, metrics, createLogger({ json: true, sink: (l) => lines.push(l) }));
      await flaky.query("select 1");
      await stopping.halt();
      for (let i = 0; i < 3; i++) await flaky.query("select 1").catch(() => {});
      await stopping.start();
      await flaky.query("select 1");
    } finally {
      await stopping.close();
    }
    const m = await scrape();
    expect(m.get('regstat_database_errors_total{kind="unavailable"}')).toBe(3);
    const msgs = lines.map((l) => JSON.parse(l).msg);
    expect(msgs.filter((m) => m === "database unavailable")).toHaveLength(1);
    expect(msgs.filter((m) => m === "database available again")).toHaveLength(1);
    expect((await post(envelope(pushBlob({ repository: "m/x", digest: digestOf("x") })))).status).toBe(200);
  });

  test("a flood of forged registry names adds at most 200 series, and real registries are still recorded", async () => {
    // registry.test:5000 is named by the operator; late.example is not, and sends after the flood.
    const { post, scrape } = setup([], ["registry.test:5000"]);
    const img = image("metrics-named", { repository: "m/named", tag: "v1" });
    expect((await post(envelope(...img.blobPushes, img.push()))).status).toBe(200);
    const forged = Array.from({ length: 300 }, (_, i) =>
      pushBlob({ repository: "m/hosts", digest: digestOf(`h${i}`), host: `host-${i}.example` }),
    );
    expect((await post(envelope(...forged))).status).toBe(200);
    expect((await post(envelope(pullManifest({ repository: "m/named", digest: img.digest, tag: "v1" })))).status).toBe(200);
    expect((await post(envelope(pushBlob({ repository: "m/late", digest: digestOf("late"), host: "late.example" })))).status).toBe(200);
    const m = await scrape();
    const series = (name: string) => [...m.keys()].filter((k) => k.startsWith(`${name}{`));
    const lastEvent = series("regstat_last_event_timestamp_seconds");
    // 200 others at most, the named registry besides; the newest unnamed one took the stalest forged one's place.
    expect(lastEvent.length).toBe(201);
    expect(lastEvent).toContain('regstat_last_event_timestamp_seconds{registry="registry.test:5000"}');
    expect(lastEvent).toContain('regstat_last_event_timestamp_seconds{registry="late.example"}');
    expect(lastEvent).not.toContain('regstat_last_event_timestamp_seconds{registry="host-0.example"}');
    // The registry's contents: the first 100 registries by name (the forged host-* sort first), and the named one.
    const tags = series("regstat_registry_tags");
    expect(tags.length).toBe(101);
    expect(m.get('regstat_registry_tags{registry="registry.test:5000"}')).toBeGreaterThanOrEqual(1);
  });
});

describe("request log", () => {
  test("one line per request with method, path, status, duration and error code; probes at debug", async () => {
    const { app, post, lines } = setup();
    lines.length = 0;
    await post("{", { authorization: "Bearer do-not-log-me" });
    await app.request("/healthz");
    await app.request("/nowhere?token=do-not-log-me");
    const logged = lines.map((l) => JSON.parse(l));
    expect(logged.map(({ msg, method, path, status, error }) => ({ msg, method, path, status, error }))).toEqual([
      { msg: "request", method: "POST", path: "/events", status: 400, error: "invalid_json" },
      { msg: "request", method: "GET", path: "/nowhere", status: 404, error: undefined },
    ]);
    for (const line of logged) expect(typeof line.ms).toBe("number");
    expect(lines.join("\n")).not.toContain("do-not-log-me");
  });
});
