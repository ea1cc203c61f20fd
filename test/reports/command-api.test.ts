import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Db } from "../../src/db/db.ts";
import { migrate } from "../../src/db/migrate.ts";
import { testApp } from "../support/app.ts";
import { commandDatabase } from "../support/db.ts";
import { allFixtures } from "../support/fixtures.ts";

// `regstat report` and GET /reports on the same database holding the captured registry history: the
// command prints what the API answers, and both hand on the cursor of a page that has more rows.
const main = join(import.meta.dir, "../../src/main.ts");

describe("regstat report against the API, on the same data", () => {
  let args: string[];
  let open: () => Promise<Db>;
  let cleanup = async () => {};
  beforeAll(async () => {
    const database = await commandDatabase("report-api");
    args = database.args;
    open = database.open;
    cleanup = database.drop;
    await withApp(async (app) => {
      for (const request of await allFixtures()) {
        const response = await app.post(request.body, { "content-type": request.headers["content-type"]! });
        expect(await response.json()).toEqual({ stored: 1, duplicates: 0, dead_lettered: 0 });
      }
    });
  });
  afterAll(() => cleanup());

  /** The app on the database, closed again before the command runs (an embedded database has one opener). */
  async function withApp<T>(use: (app: ReturnType<typeof testApp>) => Promise<T>): Promise<T> {
    const db = await open();
    try {
      await migrate(db);
      return await use(testApp(db));
    } finally {
      await db.close();
    }
  }

  const api = (path: string) =>
    withApp(async ({ app }) => {
      const response = await app.request(path);
      expect(response.status).toBe(200);
      return { body: await response.text(), cursor: response.headers.get("x-next-cursor") };
    });

  const run = (...rest: string[]) => {
    const p = Bun.spawnSync(["bun", main, "report", ...rest, ...args], { env: { ...process.env, REGSTAT_PG_CONN_STR: "" } });
    return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
  };

  test("the JSON it prints is the API's answer, report by report", async () => {
    const asked: [string, string[]][] = [
      ["images", []],
      ["images?limit=2&repository=demo/", ["--limit", "2", "--repository", "demo/"]],
      ["repositories", []],
      ["most-tagged", []],
      ["deletions?since=2026-01-01", ["--since", "2026-01-01"]],
      ["activity?days=3", ["--days", "3"]],
    ];
    for (const [path, flags] of asked) {
      const name = path.split("?")[0]!;
      const printed = run(name, ...flags);
      expect({ path, code: printed.code, err: printed.err }).toEqual({ path, code: 0, err: "" });
      const answer = JSON.parse(printed.out);
      expect({ path, rows: answer.rows.length > 0 }).toEqual({ path, rows: true });
      expect(answer).toEqual(JSON.parse((await api(`/reports/${path}`)).body));
    }
  });

  test("a page with more rows: CSV carries the cursor in X-Next-Cursor, the command prints it on stderr", async () => {
    const first = await api("/reports/images?format=csv&limit=1");
    expect(first.cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const printed = run("images", "--limit", "1", "--format", "csv");
    expect(printed.code).toBe(0);
    expect(printed.out).toBe(first.body);
    expect(printed.err).toBe(`more rows: --cursor ${first.cursor}\n`);
    // following the cursor gives the next row, and the last page has none
    const second = run("images", "--limit", "1", "--cursor", first.cursor!, "--format", "json");
    const next = JSON.parse(second.out);
    expect(next.rows).toHaveLength(1);
    expect(next).toEqual(JSON.parse((await api(`/reports/images?limit=1&cursor=${first.cursor}`)).body));
    const all = JSON.parse(run("images", "--limit", "1000").out);
    expect(all.rows.slice(0, 2)).toEqual([...JSON.parse(run("images", "--limit", "1").out).rows, ...next.rows]);
    expect(all.next_cursor).toBeNull();
    const last = await api("/reports/images?format=csv&limit=1000");
    expect(last.cursor).toBeNull();
  });
});
