import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { dbKind } from "./db.ts";

/** Where a browser test writes what a person may want to look at (screenshots): test-output/<test>/<database>. */
export function testOutputDir(test: string) {
  const dir = join(import.meta.dir, "../../test-output", test, dbKind);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A tab; every console error and uncaught exception in it lands in `errors`. */
export type TestPage = Page & { errors: string[] };

export type Browser = {
  /** where the app given to openBrowser is served */
  base: string;
  /** a new tab; `javaScript: false` runs no script in it, as a browser with JavaScript turned off */
  page(options?: { javaScript?: boolean }): Promise<TestPage>;
  /** how many distinct colours a PNG has (a blank screenshot has one) */
  colours(png: Uint8Array): Promise<number>;
  close(): Promise<void>;
};

type Served = { fetch: (request: Request) => Response | Promise<Response> };

/** Debian's Chromium, headless, on a fresh profile that is removed on close, and the app served for it on a port of its own. */
export async function openBrowser(app: Served): Promise<Browser> {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: app.fetch });
  const profile = mkdtempSync(join(tmpdir(), "regstat-chromium-"));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    base: `http://127.0.0.1:${server.port}`,
    async page(options = {}) {
      const page: TestPage = Object.assign(await context.newPage(), { errors: [] as string[] });
      if (options.javaScript === false) {
        await (await context.newCDPSession(page)).send("Emulation.setScriptExecutionDisabled", { value: true });
      }
      page.on("console", (m) => void (m.type() === "error" && page.errors.push(m.text())));
      page.on("pageerror", (e) => void page.errors.push(e.message));
      return page;
    },
    async colours(png) {
      const page = await context.newPage();
      try {
        // runs in the page (the DOM is not in this project's types): decode, draw, count the pixel values
        return await page.evaluate(`(async () => {
          const image = new Image();
          image.src = "data:image/png;base64,${Buffer.from(png).toString("base64")}";
          await image.decode();
          const canvas = new OffscreenCanvas(image.width, image.height);
          const draw = canvas.getContext("2d");
          draw.drawImage(image, 0, 0);
          return new Set(new Uint32Array(draw.getImageData(0, 0, image.width, image.height).data.buffer)).size;
        })()`);
      } finally {
        await page.close();
      }
    },
    async close() {
      await context.close();
      server.stop(true);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
