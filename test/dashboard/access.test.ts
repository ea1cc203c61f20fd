import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import type { App } from "../reports/support.ts";
import { testApp } from "../support/app.ts";
import { type Browser, openBrowser } from "../support/browser.ts";
import { freshDb } from "../support/db.ts";

const TOKEN = "dashboard-test-token-4f1c";

let db: Db;
let app: App;
let browser: Browser;

beforeAll(async () => {
  db = await freshDb();
  app = testApp(db, { args: ["--reports-token", TOKEN] });
  browser = await openBrowser(app.app);
});
afterAll(async () => {
  await browser?.close();
  await db?.close();
});

describe("a dashboard guarded by --reports-token", () => {
  test("refuses every page and report without the token, with the strict policy on the refusal", async () => {
    for (const path of ["/", "/dashboard/repositories", "/dashboard/stale", "/dashboard/deletions"]) {
      const response = await app.app.request(path, { headers: { accept: "text/html" } });
      expect(response.status).toBe(401);
      const text = await response.text();
      expect(text).toContain('name="token"');
      expect(text).not.toContain("Storage");
      expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    }
    expect((await app.app.request("/reports/storage")).status).toBe(401);
    const forged = await app.app.request("/reports/storage", { headers: { cookie: "regstat_reports_token=guess" } });
    expect(forged.status).toBe(401);
  });

  test("asks once, keeps the token in an HttpOnly SameSite=Strict cookie, and the JSON links work with it", async () => {
    const page = await browser.page();
    const refused = await page.goto(`${browser.base}/dashboard/repositories`);
    expect(refused?.status()).toBe(401);
    await page.fill('input[name="token"]', "not-the-token");
    await page.click("button[type=submit]");
    expect(await page.textContent(".error")).toContain("not valid");
    expect(await page.context().cookies()).toEqual([]);

    await page.fill('input[name="token"]', TOKEN);
    await page.click("button[type=submit]");
    expect(new URL(page.url()).pathname).toBe("/dashboard/repositories"); // back where it was asked
    expect(await page.textContent("h1")).toBe("Repositories");
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: "regstat_reports_token", httpOnly: true, sameSite: "Strict", path: "/" });
    expect(await page.evaluate("document.cookie")).toBe(""); // not readable by scripts

    await page.goto(`${browser.base}/`);
    expect(await page.textContent("h1")).toBe("Overview");
    await page.click("#storage a.report-link");
    const storage = await app.app.request("/reports/storage", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(JSON.parse((await page.textContent("body"))!).rows).toEqual(((await storage.json()) as any).rows);
    expect(page.errors.filter((e) => !e.includes("401"))).toEqual([]);
    await page.context().clearCookies();
    await page.close();
  });

  test("the form sends nowhere but this site", async () => {
    const body = new URLSearchParams({ token: TOKEN, next: "//evil.example/" });
    const response = await app.app.request("/dashboard/login", {
      method: "POST",
      body,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
  });
});
