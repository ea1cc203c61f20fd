import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { testApp } from "../support/app.ts";
import { freshDb } from "../support/db.ts";
import { digestOf, envelope, pushBlob } from "../support/events.ts";
import { EVENTS_V1 } from "../support/fixtures.ts";

// Group commit over HTTP, as registries deliver: senders that each wait for their answer before the next
// envelope. The deliveries that arrive while a group commits are written together in the next one, on
// PGlite too, where a transaction runs on regstat's own thread (there every envelope once had a
// transaction of its own).
const SENDERS = 8;
const ENVELOPES = 6;

let db: Db;
let transactions = 0;
beforeAll(async () => {
  const real = await freshDb();
  db = {
    ...real,
    transaction: (fn, options) => {
      transactions++;
      return real.transaction(fn, options);
    },
  };
});
afterAll(() => db?.close());

test(`${SENDERS} senders, one envelope at a time each: every event stored once, in fewer transactions than envelopes`, async () => {
  const { app } = testApp(db);
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: app.fetch });
  try {
    const sender = async (n: number) => {
      const answers: unknown[] = [];
      for (let i = 0; i < ENVELOPES; i++) {
        const response = await fetch(`http://127.0.0.1:${server.port}/events`, {
          method: "POST",
          headers: { "content-type": EVENTS_V1 },
          body: JSON.stringify(envelope(pushBlob({ repository: `group/s${n}`, digest: digestOf(`group-${n}-${i}`) }))),
        });
        answers.push(await response.json());
      }
      return answers;
    };
    transactions = 0;
    const answers = (await Promise.all(Array.from({ length: SENDERS }, (_, n) => sender(n)))).flat();
    expect(answers).toEqual(Array.from({ length: SENDERS * ENVELOPES }, () => ({ stored: 1, duplicates: 0, dead_lettered: 0 })));
    const [held] = await db.query<{ count: number }>(
      "select count(*)::int as count from regstat.repository_blobs where repository like 'group/%'",
    );
    expect(held?.count).toBe(SENDERS * ENVELOPES);
    expect(transactions).toBeLessThan(SENDERS * ENVELOPES);
  } finally {
    server.stop(true);
  }
}, 60_000);
