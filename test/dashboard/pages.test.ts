import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Page } from "playwright-core";
import type { Db } from "../../src/db/db.ts";
import { type App, daysAgo, deliver, report } from "../reports/support.ts";
import { testApp } from "../support/app.ts";
import { type Browser, openBrowser, type TestPage, testOutputDir } from "../support/browser.ts";
import { freshDb } from "../support/db.ts";
import { deleteTag, digestOf, image, pullManifest } from "../support/events.ts";
import { allFixtures } from "../support/fixtures.ts";

// The real registry's history (../shared/fixtures), and a second registry with a month of pushes and
// pulls, some of it sent by a host whose name is HTML.
const HOST = "registry.test:5000";
const EVIL = `<img src=x onerror="window.injected=1">`;
const EVIL_REPOSITORY = `evil/<script>window.injected=2</script>`;

let db: Db;
let app: App;
let browser: Browser;
const output = testOutputDir("dashboard");

beforeAll(async () => {
  db = await freshDb();
  app = testApp(db);
  for (const request of await allFixtures()) {
    expect((await app.post(request.body, { "content-type": request.headers["content-type"]! })).status).toBe(200);
  }
  for (let i = 0; i < 23; i++) {
    const repository = `team/app-${String(i).padStart(2, "0")}`;
    const layers = Array.from({ length: 1 + (i % 4) }, (_, n) => digestOf(`layer-${i}-${n}`));
    const img = image(`dash-${i}`, { repository, tag: "v1", layers });
    await deliver(app, ...img.blobPushes.map((e) => ({ ...e, timestamp: daysAgo(25 - i) })), img.push({ timestamp: daysAgo(25 - i) }));
    for (let p = 0; p < i % 5; p++)
      await deliver(app, pullManifest({ repository, digest: img.digest, tag: "v1", timestamp: daysAgo(Math.max(0, 20 - i), p) }));
  }
  await deliver(app, deleteTag({ repository: "team/app-22", tag: "v1", timestamp: daysAgo(1) }));
  const evil = image("evil", { repository: "evil/app", tag: "v1", host: EVIL });
  await deliver(app, ...evil.blobPushes, evil.push());
  // the webhook refuses such a repository name, but a database adopted from the original program holds what it was given
  const pushed = await app.post({ events: [image("evil-2", { repository: "evil/app", tag: "v2" }).push()] });
  expect(pushed.status).toBe(200);
  await db.query("update regstat.tags set repository = $1, name = $2 where repository = 'evil/app' and tag = 'v2'", [
    EVIL_REPOSITORY,
    `${HOST}/${EVIL_REPOSITORY}:v2`,
  ]);
  await db.query("update regstat.repository_manifests set repository = $1 where repository = 'evil/app' and registry = $2", [
    EVIL_REPOSITORY,
    HOST,
  ]);
  // the days before today as regstat would have recorded them then (the events above were stored today)
  for (let age = 1; age <= 12; age += 3) {
    await db.query(
      `insert into regstat.storage_daily (day, deduplicated_bytes, orphaned_bytes, untagged_bytes, summed_bytes, images, repositories)
       values ((now() at time zone 'UTC')::date - $1::int, $2, $3, 0, $2, $4, $4)`,
      [age, 90_000 - age * 5000, age * 100, 27 - age],
    );
  }
  for (const age of [9, 4]) {
    await db.query(
      `insert into regstat.repository_storage_daily (registry, repository, day, bytes, exclusive_bytes)
       values ($1, 'team/app-03', (now() at time zone 'UTC')::date - $2::int, $3, $3)`,
      [HOST, age, 1000 * age],
    );
  }
  browser = await openBrowser(app.app);
});
afterAll(async () => {
  await browser?.close();
  await db?.close();
});

/** Opens a dashboard page; fails on any console error; saves it at both widths, each not blank. */
async function visit(path: string, name: string): Promise<TestPage> {
  const page = await browser.page();
  const response = await page.goto(browser.base + path);
  expect(response?.status()).toBe(200);
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    const png = await page.screenshot({ fullPage: true, path: join(output, `${name}-${width}.png`) });
    expect(await browser.colours(png)).toBeGreaterThan(20);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  expect(page.errors).toEqual([]);
  return page;
}

/** The exact values of the `<data>` elements in the cells of a table's column (1-based), row by row. */
const column = (page: Page, table: string, n: number) =>
  page.$$eval(`${table} tbody tr td:nth-child(${n})`, (cells) =>
    cells.map((c) => c.querySelector("data")?.getAttribute("value") ?? c.textContent),
  );

describe("the dashboard in a browser", () => {
  test("overview: the storage figures, registries and activity chart are the reports' own", async () => {
    const page = await visit("/", "overview");
    const storage = (await report(app, "storage")).rows[0];
    for (const [column, value] of Object.entries(storage)) {
      expect(await page.getAttribute(`#${column} data`, "value")).toBe(String(value));
    }
    const registries = await report(app, "registries");
    expect(registries.rows.length).toBe(3);
    expect(await column(page, "#registries table", 1)).toEqual(registries.rows.map((r: any) => r.registry));
    expect(await page.$$eval("#registries tbody td:nth-child(3) time", (t) => t.map((x) => x.getAttribute("datetime")))).toEqual(
      registries.rows.map((r: any) => r.last_active),
    );
    expect(await column(page, "#registries table", 4)).toEqual(registries.rows.map((r: any) => String(r.repositories)));
    expect(await column(page, "#registries table", 5)).toEqual(registries.rows.map((r: any) => String(r.images)));
    expect(await column(page, "#registries table", 6)).toEqual(registries.rows.map((r: any) => String(r.tags)));

    const activity = (await report(app, "activity", { days: 30 })).rows.reverse();
    expect(activity.some((r: any) => r.pushes > 0 && r.pulls > 0)).toBe(true);
    for (const series of ["pushes", "pulls", "deletes"]) {
      const points = await page.$$eval(`#activity [data-series="${series}"] rect`, (rects) =>
        rects.map((r) => [r.getAttribute("data-x"), Number(r.getAttribute("data-y"))]),
      );
      expect(points).toEqual(activity.map((r: any) => [r.day, r[series]]));
    }
    const history = (await report(app, "storage-history", { days: 30 })).rows.reverse().filter((r: any) => r.images !== null);
    expect(history.length).toBeGreaterThan(0);
    for (const [column, series] of [
      ["deduplicated_bytes", "deduplicated"],
      ["orphaned_bytes", "orphaned"],
      ["untagged_bytes", "untagged"],
      ["images", "images"],
      ["repositories", "repositories"],
    ] as const) {
      const points = await page.$$eval(`#growth [data-series="${series}"] circle`, (dots) =>
        dots.map((d) => [d.getAttribute("data-x"), Number(d.getAttribute("data-y"))]),
      );
      expect(points).toEqual(history.map((r: any) => [r.day, r[column]]));
    }
    const largest = (await report(app, "largest-repositories", { limit: 10 })).rows;
    expect(largest.length).toBe(10);
    expect(await column(page, "#largest table", 1)).toEqual(largest.map((r: any) => `${r.registry}/${r.repository}`));
    expect(await column(page, "#largest table", 2)).toEqual(largest.map((r: any) => String(r.bytes)));

    // each section links to the JSON it shows
    const links = await page.$$eval("a.report-link", (as) => as.map((a) => a.getAttribute("href")));
    expect(links).toEqual([
      "/reports/storage",
      "/reports/storage-history?days=30",
      "/reports/largest-repositories?limit=10",
      "/reports/registries",
      "/reports/activity?days=30",
    ]);
    await page.click("#storage a.report-link");
    expect(JSON.parse((await page.textContent("body"))!).rows[0]).toEqual(storage);
    await page.close();
  });

  test("repositories: pages of the report, sortable by a column, each linking to its own page", async () => {
    const page = await visit("/dashboard/repositories?limit=10", "repositories");
    const first = await report(app, "repositories", { limit: 10 });
    expect(await column(page, "#repositories", 2)).toEqual(first.rows.map((r: any) => r.repository));
    for (const [n, key] of [
      [3, "bytes"],
      [4, "exclusive_bytes"],
      [5, "tags"],
      [6, "manifests"],
      [9, "pulls"],
    ] as const) {
      expect(await column(page, "#repositories", n)).toEqual(first.rows.map((r: any) => String(r[key])));
    }
    await page.click("a[rel=next]");
    const second = await report(app, "repositories", { limit: 10, cursor: first.next_cursor });
    expect(await column(page, "#repositories", 2)).toEqual(second.rows.map((r: any) => r.repository));

    await page.click('th a:text("Bytes")');
    const ascending = [...second.rows].sort((a: any, b: any) => a.bytes - b.bytes).map((r: any) => String(r.bytes));
    expect(await column(page, "#repositories", 3)).toEqual(ascending);
    await page.click('th a:text("Bytes")');
    expect(await column(page, "#repositories", 3)).toEqual([...ascending].reverse());
    expect(await page.getAttribute('th[aria-sort="descending"] a', "href")).toContain("sort=bytes");
    await page.click('th a:text("Only here")');
    expect(await column(page, "#repositories", 4)).toEqual(
      [...second.rows].sort((a: any, b: any) => a.exclusive_bytes - b.exclusive_bytes).map((r: any) => String(r.exclusive_bytes)),
    );
    expect(page.errors).toEqual([]);
    await page.close();
  });

  test("a repository's page: its holdings, tags and activity from the reports", async () => {
    const page = await visit(`/dashboard/repository?registry=${HOST}&repository=team/app-03`, "repository");
    const summary = (await report(app, "repositories", { registry: HOST, repository: "team/app-03", limit: 1 })).rows[0];
    for (const key of ["bytes", "tags", "manifests", "pulls"])
      expect(await page.getAttribute(`#${key} data`, "value")).toBe(String(summary[key]));
    const images = await report(app, "images", { registry: HOST, repository: "team/app-03" });
    expect(await column(page, "#tag-list", 1)).toEqual(images.rows.map((r: any) => r.tag));
    expect(await column(page, "#tag-list", 3)).toEqual(images.rows.map((r: any) => String(r.size)));
    const history = (await report(app, "repository-history", { registry: HOST, repository: "team/app-03", days: 30 })).rows.filter(
      (r: any) => r.repository === "team/app-03",
    );
    expect(history.length).toBe(10); // from its first recorded day, 9 days ago
    for (const [column, series] of [
      ["bytes", "bytes"],
      ["exclusive_bytes", "only here"],
    ] as const) {
      const points = await page.$$eval(`#growth [data-series="${series}"] circle`, (dots) =>
        dots.map((d) => [d.getAttribute("data-x"), Number(d.getAttribute("data-y"))]),
      );
      expect(points).toEqual(history.map((r: any) => [r.day, r[column]]));
    }
    expect(history.at(-1).bytes).toBe(summary.bytes);
    const pulls = await page.$$eval('#activity [data-series="pulls"] rect', (rects) =>
      rects.reduce((n, r) => n + Number(r.getAttribute("data-y")), 0),
    );
    expect(pulls).toBe(3);
    await page.close();
  });

  test("stale images: the days/months control asks the not-pulled and older-than reports", async () => {
    const page = await visit("/dashboard/stale", "stale");
    const byDays = await report(app, "not-pulled", { days: 30 });
    expect(await column(page, "#stale", 2)).toEqual(byDays.rows.map((r: any) => r.tag));
    await page.fill('input[name="amount"]', "10");
    await page.click('button:text("Show")');
    const tenDays = await report(app, "not-pulled", { days: 10 });
    expect(tenDays.rows.length).toBeGreaterThan(byDays.rows.length);
    expect(await column(page, "#stale", 1)).toEqual(tenDays.rows.map((r: any) => `${r.registry}/${r.repository}`));
    await page.selectOption('select[name="question"]', "older-than"); // the script submits the change
    await page.waitForURL(/question=older-than/);
    const older = await report(app, "older-than", { days: 10 });
    expect(await column(page, "#stale", 1)).toEqual(older.rows.map((r: any) => `${r.registry}/${r.repository}`));
    await page.selectOption('select[name="question"]', "not-pulled");
    await page.waitForURL(/question=not-pulled/);
    await page.selectOption('select[name="unit"]', "months");
    await page.waitForURL(/unit=months/);
    await page.fill('input[name="amount"]', "0");
    await page.click('button:text("Show")');
    const months = await report(app, "not-pulled", { months: 0 });
    expect(await column(page, "#stale", 1)).toEqual(months.rows.map((r: any) => `${r.registry}/${r.repository}`));
    expect(page.errors).toEqual([]);
    await page.close();
  });

  test("cleanup: the rule as a form, its plan and totals as the cleanup reports answer them, and the script", async () => {
    const page = await visit("/dashboard/cleanup", "cleanup-empty");
    expect(await page.$$("#totals")).toEqual([]);
    await page.fill('input[name="keep_pulled_within"]', "10d");
    await page.fill('input[name="registry"]', HOST);
    await page.click('button:text("Plan")');
    expect(page.errors).toEqual([]);
    const rule = { keep_pulled_within: "10d", registry: HOST };
    const plan = await report(app, "cleanup", { ...rule, limit: 100 });
    expect(plan.totals.tags).toBeGreaterThan(0);
    for (const key of ["reclaimable_bytes", "tags", "manifests", "kept_tags"]) {
      expect(await page.getAttribute(`#${key} data`, "value")).toBe(String(plan.totals[key]));
    }
    expect(await column(page, "#cleanup", 1)).toEqual(plan.rows.map((r: any) => `${r.registry}/${r.repository}`));
    expect(await column(page, "#cleanup", 8)).toEqual(plan.rows.map((r: any) => String(r.exclusive_bytes)));
    const parts = await report(app, "cleanup-repositories", { ...rule, limit: 100 });
    expect(await column(page, "#cleanup-repositories", 5)).toEqual(parts.rows.map((r: any) => String(r.reclaimable_bytes)));
    const script = await app.app.request((await page.getAttribute("#script", "href"))!);
    expect(script.status).toBe(200);
    expect(await script.text()).toStartWith("#!");
    const png = await page.screenshot({ fullPage: true, path: join(output, "cleanup-1280.png") });
    expect(await browser.colours(png)).toBeGreaterThan(20);
    await page.close();
  });

  test("deletions: the audit trail as the report gives it", async () => {
    const page = await visit("/dashboard/deletions", "deletions");
    const answer = await report(app, "deletions");
    expect(answer.rows.length).toBe(4);
    expect(await page.$$eval("#deletions tbody td:nth-child(6)", (c) => c.map((x) => x.textContent))).toEqual(
      answer.rows.map((r: any) => r.event_id),
    );
    expect(await page.$$eval("#deletions tbody time", (t) => t.map((x) => x.getAttribute("datetime")))).toEqual(
      answer.rows.map((r: any) => r.deleted),
    );
    await page.close();
  });

  test("names from events are text: a registry host and a repository written in HTML show as themselves", async () => {
    const page = await browser.page();
    await page.goto(`${browser.base}/`);
    expect(await page.$$eval("#registries td:first-child", (cells) => cells.map((c) => c.textContent))).toContain(EVIL);
    expect(await page.$$("main img")).toEqual([]);
    await page.goto(`${browser.base}/dashboard/repository?${new URLSearchParams({ registry: EVIL, repository: "evil/app" })}`);
    expect(await page.textContent("h1")).toBe(`${EVIL}/evil/app`);
    expect(await page.$$("main img")).toEqual([]);
    await page.goto(`${browser.base}/dashboard/repositories?repository=evil/`);
    expect(await page.$$eval("#repositories td:nth-child(2)", (cells) => cells.map((c) => c.textContent))).toEqual([
      "evil/app",
      EVIL_REPOSITORY,
    ]);
    await page.click(`a:text("${EVIL_REPOSITORY}")`);
    expect(await page.textContent("h1")).toBe(`${HOST}/${EVIL_REPOSITORY}`);
    expect(await page.$$eval("#tag-list td:first-child", (cells) => cells.map((c) => c.textContent))).toEqual(["v2"]);
    expect(await page.$$("main script")).toEqual([]);
    expect(await page.evaluate("window.injected")).toBeUndefined();
    expect(page.errors).toEqual([]);
    await page.close();
  });

  test("with JavaScript off: the charts are drawn on the server and every control works by its button", async () => {
    const page = await browser.page({ javaScript: false });
    await page.goto(`${browser.base}/`);
    const activity = (await report(app, "activity", { days: 30 })).rows;
    expect(await page.locator('#activity [data-series="pulls"] rect').count()).toBe(activity.length);
    const history = (await report(app, "storage-history", { days: 30 })).rows.filter((r: any) => r.images !== null);
    expect(await page.locator('#growth [data-series="deduplicated"] circle').count()).toBe(history.length);

    await page.goto(`${browser.base}/dashboard/stale`);
    await page.fill('input[name="amount"]', "10");
    await page.selectOption('select[name="question"]', "older-than");
    await page.click('button:text("Show")');
    await page.waitForURL(/question=older-than/);
    const older = await report(app, "older-than", { days: 10 });
    expect(await column(page, "#stale", 1)).toEqual(older.rows.map((r: any) => `${r.registry}/${r.repository}`));

    await page.goto(`${browser.base}/dashboard/cleanup`);
    await page.fill('input[name="keep_pulled_within"]', "10d");
    await page.click('button:text("Plan")');
    const plan = await report(app, "cleanup", { keep_pulled_within: "10d", limit: 100 });
    expect(await page.getAttribute("#reclaimable_bytes data", "value")).toBe(String(plan.totals.reclaimable_bytes));
    expect(page.errors).toEqual([]);
    await page.close();
  });

  test("a bad control value is refused on the page, naming it", async () => {
    const page = await browser.page();
    const response = await page.goto(`${browser.base}/dashboard/stale?amount=-3`);
    expect(response?.status()).toBe(400);
    expect(await page.textContent(".error")).toContain("days: must be a whole number");
    await page.close();
  });
});
