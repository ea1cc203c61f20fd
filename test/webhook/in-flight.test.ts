import { afterAll, beforeAll, expect, test } from "bun:test";
import { createServer, type Server } from "node:net";
import { openPostgres } from "../../src/db/postgres.ts";
import { testApp } from "../support/app.ts";
import { digestOf, envelope, pushBlob } from "../support/events.ts";

// The README's in-flight cap: 256 notifications whose bodies have arrived are worked at once; one more
// is told 503 busy at once, with Retry-After, and the registry resends it. A database that accepts
// connections and never answers holds the first 256 in flight.
let silent: Server;
let port = 0;
beforeAll(async () => {
  silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  port = (silent.address() as { port: number }).port;
});
afterAll(() => silent.close());

test("past 256 notifications in flight: 503 busy with Retry-After; the 256 are answered in their turn", async () => {
  const away = openPostgres(`postgres://nobody@127.0.0.1:${port}/none`, { max: 1 });
  const { post } = testApp(away, { args: ["--db-timeout", "20s"] });
  // 300 at once: the first 256 wait for the database (20 s, far longer than sending them takes), 44 are busy
  const answers = await Promise.all(
    Array.from({ length: 300 }, async (_, i) => {
      const response = await post(envelope(pushBlob({ repository: "cap/app", digest: digestOf(`cap-${i}`) })));
      const { error } = (await response.json()) as { error: { code: string } };
      return { status: response.status, code: error.code, retryAfter: response.headers.get("retry-after") };
    }),
  );
  const busy = answers.filter((a) => a.code === "busy");
  expect(busy).toHaveLength(44);
  expect(busy.every((a) => a.status === 503 && a.retryAfter === "1")).toBe(true);
  // the held ones end as the database's absence says
  expect(answers.filter((a) => a.code !== "busy").map((a) => `${a.status} ${a.code}`)).toEqual(
    Array.from({ length: 256 }, () => "503 database_unavailable"),
  );
  await away.close().catch(() => {});
}, 120_000);
