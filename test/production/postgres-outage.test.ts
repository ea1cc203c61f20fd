import { afterAll, beforeAll, expect, test } from "bun:test";
import { digestOf, envelope, pushBlob } from "../support/events.ts";
import { EVENTS_V1 } from "../support/fixtures.ts";
import { expectStoredExactlyOnce, REPORTS_TOKEN, startStream, WEBHOOK_TOKEN } from "./stream.ts";

// The registry's notification timeout in test/support/registry.ts: an answer later than this is a hang.
const REGISTRY_TIMEOUT_MS = 2000;

let stream: Awaited<ReturnType<typeof startStream>>;
beforeAll(async () => (stream = await startStream()));
afterAll(() => stream.stop());

test("PostgreSQL stopped mid-stream: 503 while it is down, recovery without a restart, every event stored exactly once", async () => {
  const { regstat, cluster, proxy, traffic } = stream;
  await traffic(2);

  await cluster.halt();
  const during = traffic(3);
  // Asked directly while the database is down: a prompt 503 the registry will retry, never a hang.
  const started = performance.now();
  const res = await fetch(`${regstat.url}/events`, {
    method: "POST",
    headers: { "content-type": EVENTS_V1, authorization: `Bearer ${WEBHOOK_TOKEN}` },
    body: JSON.stringify(envelope(pushBlob({ repository: "fault/direct", digest: digestOf("direct") }))),
  }).catch((error) => {
    throw new Error(
      `regstat unreachable (${error.message}; running: ${regstat.running()}); its last log lines:\n${regstat.log.slice(-20).join("\n")}`,
    );
  });
  expect(performance.now() - started).toBeLessThan(REGISTRY_TIMEOUT_MS);
  expect(res.status).toBe(503);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe("database_unavailable");
  expect((await fetch(`${regstat.url}/readyz`)).status).toBe(503);
  expect((await fetch(`${regstat.url}/healthz`)).status).toBe(200);
  const scrape = await fetch(`${regstat.url}/metrics`, { headers: { authorization: `Bearer ${REPORTS_TOKEN}` } }).then((r) => r.text());
  expect(scrape).toContain("\nregstat_database_up 0\n");
  await during;
  await Bun.sleep(500); // the registry keeps retrying against the stopped database

  await cluster.start();
  await traffic(2);
  await stream.drained();

  // The registry was refused while the database was down, and regstat did not hang on it.
  const refused = proxy.deliveries.filter((d) => d.status === 503);
  expect(refused.length).toBeGreaterThan(0);
  // Each delivery was answered: the proxy answers 502 itself for one regstat left unanswered for 10 s (a hang).
  expect(proxy.deliveries.filter((d) => d.status === 502)).toEqual([]);
  expect((await fetch(`${regstat.url}/readyz`)).status).toBe(200);
  expect(regstat.running()).toBe(true);

  // Every event the registry sent is stored, once; nothing else is.
  await expectStoredExactlyOnce(stream);

  const log = regstat.log.map((l) => JSON.parse(l));
  expect(log.some((l) => l.msg === "database unavailable")).toBe(true);
  expect(log.some((l) => l.msg === "database available again")).toBe(true);
});

test("no secret in any log line or in /metrics: not the database password, nor a token", async () => {
  const { regstat, cluster } = stream;
  // A wrong token, a token-shaped query string, and the right tokens, all logged as requests.
  await fetch(`${regstat.url}/events?token=${WEBHOOK_TOKEN}`, {
    method: "POST",
    headers: { authorization: `Bearer ${WEBHOOK_TOKEN}x` },
    body: "{}",
  });
  await fetch(`${regstat.url}/reports/anything`, { headers: { authorization: `Bearer ${REPORTS_TOKEN}` } });
  const scrape = await fetch(`${regstat.url}/metrics`, { headers: { authorization: `Bearer ${REPORTS_TOKEN}` } }).then((r) => r.text());
  const everything = [...regstat.log, scrape].join("\n");
  expect(regstat.log.length).toBeGreaterThan(50);
  expect(everything).toContain('"msg":"request"');
  for (const secret of [cluster.password, WEBHOOK_TOKEN, REPORTS_TOKEN]) expect(everything).not.toContain(secret);
  expect(everything.toLowerCase()).not.toContain("authorization");
});
