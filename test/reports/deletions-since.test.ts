import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { testApp } from "../support/app.ts";
import { freshDb } from "../support/db.ts";
import { deleteDigest, digestOf, pushBlob } from "../support/events.ts";
import { type App, daysAgo, deliver, report } from "./support.ts";

// `deletions?since=` with the values it takes: a duration before now, a date, a time; "at or after".
describe("deletions since a time", () => {
  let db: Db;
  let app: App;
  const times = { old: daysAgo(10), mid: daysAgo(2), recent: daysAgo(0, 2) };
  beforeAll(async () => {
    db = await freshDb();
    app = testApp(db);
    for (const [name, at] of Object.entries(times)) {
      const digest = digestOf(`since-${name}`);
      await deliver(
        app,
        pushBlob({ repository: `since/${name}`, digest, timestamp: daysAgo(20) }),
        deleteDigest({ repository: `since/${name}`, digest, timestamp: at }),
      );
    }
  });
  afterAll(() => db.close());

  const since = async (value: string) => (await report(app, "deletions", { since: value })).rows.map((r: any) => r.repository);

  test("a duration before now: 7d, 3h, 30d", async () => {
    expect(await since("7d")).toEqual(["since/recent", "since/mid"]);
    expect(await since("3h")).toEqual(["since/recent"]);
    expect(await since("30d")).toEqual(["since/recent", "since/mid", "since/old"]);
  });

  test("a date is its UTC midnight; a time is taken exactly, and a deletion at that time is included", async () => {
    const midDay = times.mid.slice(0, 10);
    expect(await since(midDay)).toEqual(["since/recent", "since/mid"]);
    expect(await since(times.mid)).toEqual(["since/recent", "since/mid"]);
    const justAfter = new Date(Date.parse(times.mid) + 1).toISOString();
    expect(await since(justAfter)).toEqual(["since/recent"]);
    expect(await since("2099-01-01")).toEqual([]);
  });

  test("the answer states the time it resolved the parameter to", async () => {
    const answer = await report(app, "deletions", { since: times.old });
    expect(answer.parameters.since).toBe(new Date(times.old).toISOString());
  });
});
