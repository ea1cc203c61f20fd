import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { testApp } from "../support/app.ts";
import { freshDb, stoppablePostgres } from "../support/db.ts";

let db: Db;
beforeAll(async () => (db = await freshDb()));
afterAll(() => db.close());

const html = { accept: "text/html" };

test("a database that does not answer is said on the page, as HTML with status 503", async () => {
  const stopped = await stoppablePostgres();
  try {
    await stopped.halt();
    const response = await testApp(stopped.db).app.request("/", { headers: html });
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toStartWith("text/html");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(await response.text()).toContain("the database is unavailable; retry later");
  } finally {
    await stopped.close();
  }
});

test("a refused parameter is a 400 page naming it; GET / without HTML is the JSON 404 it always was", async () => {
  const { app } = testApp(db);
  const refused = await app.request("/dashboard/deletions?since=someday", { headers: html });
  expect(refused.status).toBe(400);
  expect(await refused.text()).toContain("since: must be");
  const json = await app.request("/");
  expect(json.status).toBe(404);
  expect(((await json.json()) as any).error.code).toBe("not_found");
});
