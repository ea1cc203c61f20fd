import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { digestOf, envelope, pushBlob } from "../support/events.ts";
import { EVENTS_V1 } from "../support/fixtures.ts";
import { type RegstatProcess, regstatProcess } from "../support/regstat-process.ts";

const dataDir = mkdtempSync(join(tmpdir(), "regstat-sigterm-"));
const started: RegstatProcess[] = [];
afterAll(async () => {
  for (const p of started) if (p.running()) await p.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

// Three envelopes of 700 events make two groups (a group holds up to 2000 events). The signal
// comes when the first is answered, so at most 1400 events are left to drain: seconds even on a loaded
// machine, well inside the 8.5 s after which shutdown cuts the work in flight and exits 1.
const ENVELOPES = 3;
const EVENTS = 700;

// The factories' events are from early 2026: kept forever here, so the second run sees all of them.
const args = ["--data-dir", dataDir, "--event-retention", "0"];

test("SIGTERM: answers what is in flight, closes the database, exits 0", async () => {
  const regstat = regstatProcess(args);
  started.push(regstat);
  await regstat.start();
  await fetch(`${regstat.url}/healthz`); // an idle keep-alive connection must not hold the shutdown

  const answered: { status: number; at: number; stored?: number }[] = [];
  const sent = Array.from({ length: ENVELOPES }, (_, n) =>
    Array.from({ length: EVENTS }, (_, i) => pushBlob({ repository: `term/r${n}`, digest: digestOf(`term-${n}-${i}`) })),
  );
  const inFlight = sent.map((events) => {
    return fetch(`${regstat.url}/events`, {
      method: "POST",
      headers: { "content-type": EVENTS_V1 },
      body: JSON.stringify(envelope(...events)),
    }).then(async (r) => answered.push({ status: r.status, at: performance.now(), ...((await r.json()) as { stored?: number }) }));
  });
  while (!answered.length) await Bun.sleep(5);
  const signalled = performance.now();
  const code = await regstat.kill("SIGTERM");
  const exitedAfter = performance.now() - signalled;
  await Promise.all(inFlight);

  // The 10 s bound is proven by the overrun tests (shutdown-overrun.test.ts), not timed here on a shared machine.
  console.log(`SIGTERM to exit: ${exitedAfter.toFixed(0)} ms (load ${require("node:os").loadavg()[0].toFixed(1)})`);
  expect(code).toBe(0);
  expect(answered.map((a) => a.status)).toEqual(Array(ENVELOPES).fill(200));
  // Some were still being written when the signal came, and were answered before the exit.
  expect(answered.some((a) => a.at > signalled)).toBe(true);
  const messages = regstat.log.map((l) => JSON.parse(l).msg);
  expect(messages).toContain("stopping");
  expect(messages.at(-1)).toBe("stopped");

  // What was answered 200 was committed and the embedded database closed cleanly: it is all there.
  const again = regstatProcess(args);
  started.push(again);
  await again.start();
  const redelivered = await fetch(`${again.url}/events`, {
    method: "POST",
    headers: { "content-type": EVENTS_V1 },
    body: JSON.stringify(envelope(sent[0]![0], sent[ENVELOPES - 1]![EVENTS - 1])),
  });
  expect((await redelivered.json()) as object).toEqual({ stored: 0, duplicates: 2, dead_lettered: 0 });
  const counted = await fetch(`${again.url}/metrics`).then((r) => r.text());
  expect(counted).toContain('regstat_events_total{action="push",outcome="duplicate"} 2');
  const m = await fetch(`${again.url}/metrics`).then((r) => r.text());
  expect(m).toContain("regstat_database_up 1");
  expect(await again.kill("SIGTERM")).toBe(0);
  expect(answered.reduce((sum, a) => sum + (a.stored ?? 0), 0)).toBe(ENVELOPES * EVENTS);
});
