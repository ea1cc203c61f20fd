import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { parseConfig } from "../../src/config.ts";
import type { Db } from "../../src/db/db.ts";
import { registryNames } from "../../src/equiv-registries.ts";
import { Ingestor } from "../../src/ingest/ingestor.ts";
import { createLogger, silentLogger } from "../../src/log.ts";
import { freshDb } from "../support/db.ts";
import { digestOf, envelope, pushBlob } from "../support/events.ts";
import { EVENTS_V1 } from "../support/fixtures.ts";

let db: Db;
beforeAll(async () => (db = await freshDb()));
afterAll(() => db.close());

const dir = mkdtempSync(join(tmpdir(), "regstat-tokens-"));

function appWith(args: string[], env: Record<string, string> = {}) {
  const lines: string[] = [];
  const log = createLogger({ json: true, sink: (line) => lines.push(line) });
  const { config } = parseConfig(args, env);
  const app = createApp({ db, ingestor: new Ingestor(db, silentLogger), names: registryNames(), config, log });
  const post = (authorization?: string) =>
    app.request("/events", {
      method: "POST",
      headers: { "content-type": EVENTS_V1, ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(envelope(pushBlob({ repository: "auth/test", digest: digestOf(crypto.randomUUID()) }))),
    });
  const get = (path: string, authorization?: string) => app.request(path, { headers: authorization ? { authorization } : {} });
  return { app, post, get, lines };
}

const eventCount = async () => (await db.query<{ n: number }>("select count(*)::int as n from regstat.events"))[0]!.n;

describe("webhook bearer tokens", () => {
  test("without a token the webhook answers 401 with the standard error and a Bearer challenge, and stores nothing", async () => {
    const { post } = appWith(["--webhook-token", "first-secret"]);
    const before = await eventCount();
    for (const authorization of [undefined, "Bearer wrong-secret", "Basic Zmlyc3Qtc2VjcmV0", "Bearer", "first-secret"]) {
      const res = await post(authorization);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="regstat-webhook"');
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code).toBe("unauthorized");
      expect(JSON.stringify(body)).not.toContain("secret");
    }
    expect(await eventCount()).toBe(before);
  });

  test("several tokens are accepted at once, so one can be rotated; the scheme is case-insensitive", async () => {
    const { post } = appWith(["--webhook-token", "old-token", "--webhook-token", "new-token"]);
    const before = await eventCount();
    expect((await post("Bearer old-token")).status).toBe(200);
    expect((await post("Bearer new-token")).status).toBe(200);
    expect((await post("bearer new-token")).status).toBe(200);
    expect((await post("Bearer new-token-but-longer")).status).toBe(401);
    expect((await post("Bearer new-toke")).status).toBe(401);
    expect(await eventCount()).toBe(before + 3);
  });

  test("tokens come from a comma list in the environment and from a token file (comments and blank lines skipped)", async () => {
    const file = join(dir, "webhook-tokens");
    writeFileSync(file, "# rotated 2026-11\nfile-token-a\n\n  file-token-b  \n");
    const { post } = appWith(["--webhook-token-file", file], { REGSTAT_WEBHOOK_TOKEN: "env-a, env-b" });
    for (const token of ["env-a", "env-b", "file-token-a", "file-token-b"]) expect((await post(`Bearer ${token}`)).status).toBe(200);
    expect((await post("Bearer # rotated 2026-11")).status).toBe(401);
    expect((await post()).status).toBe(401);
  });

  test("a token file that is missing or holds no token stops start-up instead of leaving the webhook open", () => {
    const empty = join(dir, "empty");
    writeFileSync(empty, "# nothing yet\n\n");
    expect(() => appWith(["--webhook-token-file", empty])).toThrow(`--webhook-token-file: ${empty} holds no tokens`);
    expect(() => appWith(["--reports-token-file", join(dir, "absent")])).toThrow(/--reports-token-file: cannot read .*absent \(ENOENT\)/);
  });

  test("without tokens regstat runs open and says so at start-up", async () => {
    const { post, lines } = appWith([]);
    expect((await post()).status).toBe(200);
    const warnings = lines
      .map((l) => JSON.parse(l))
      .filter((l) => l.level === "warn")
      .map((l) => l.msg);
    expect(warnings).toContain("the webhook is open: anyone who reaches it can record events (set --webhook-token)");
    expect(warnings).toContain("/reports and /metrics are open (set --reports-token)");
  });

  test("with tokens set, start-up warns of nothing", () => {
    const { lines } = appWith(["--webhook-token", "w", "--reports-token", "r"]);
    expect(lines.filter((l) => JSON.parse(l).level === "warn")).toEqual([]);
  });
});

describe("reports token", () => {
  test("guards /metrics and everything under /reports, not the webhook or the probes", async () => {
    const { get, post } = appWith(["--reports-token", "reader"]);
    for (const path of ["/metrics", "/reports", "/reports/images"]) {
      const res = await get(path);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="regstat-reports"');
      expect({ path, status: (await get(path, "Bearer reader")).status }).toEqual({ path, status: 200 });
    }
    expect((await get("/metrics", "Bearer reader")).status).toBe(200);
    expect((await get("/healthz")).status).toBe(200);
    expect((await get("/readyz")).status).toBe(200);
    expect((await post()).status).toBe(200);
  });

  test("the webhook token does not open the reports, nor the reports token the webhook", async () => {
    const { get, post } = appWith(["--reports-token", "reader", "--webhook-token", "writer"]);
    expect((await get("/metrics", "Bearer writer")).status).toBe(401);
    expect((await post("Bearer reader")).status).toBe(401);
  });
});
