// The README's screenshot of the overview (deploy/dashboard-overview.png): regstat on an embedded database,
// fed a generated month of nine repositories' pushes, pulls, mounts and deletes through its webhook, each day
// recorded on its own day (regstat.history_clock, migration 13, stands for the clock), photographed in
// headless Chromium at 1280 px. Run: bun test/dashboard/readme-screenshot.ts [output.png]
import { join } from "node:path";
import { migrate } from "../../src/db/migrate.ts";
import { openPglite } from "../../src/db/pglite.ts";
import { testApp } from "../support/app.ts";
import { openBrowser } from "../support/browser.ts";
import {
  deleteDigest,
  deleteTag,
  digestOf,
  mountBlob,
  OCI_CONFIG,
  OCI_LAYER,
  pullManifest,
  pushBlob,
  pushManifest,
  ref,
} from "../support/events.ts";
import { prng } from "../support/prng.ts";

const out = process.argv[2] ?? join(import.meta.dir, "../../deploy/dashboard-overview.png");
const host = "registry.example.com";
const DAY = 86_400_000;
const MiB = 1024 * 1024;
const random = prng(15);
const between = (low: number, high: number) => Math.floor(low + random() * (high - low));

const db = await openPglite(undefined);
await migrate(db);
const app = testApp(db);
const deliver = async (events: object[]) => {
  const response = await app.post({ events });
  if (response.status !== 200) throw new Error(`the webhook answered ${response.status}: ${await response.text()}`);
};

const base = { repository: "base/debian", layer: digestOf("base/debian/rootfs"), size: 48 * MiB };
const repositories = [
  "base/debian",
  "web/frontend",
  "web/api",
  "data/etl",
  "ml/trainer",
  "tools/ci",
  "ops/grafana",
  "docs/site",
  "team/billing",
];
const versions = new Map<string, string[]>(repositories.map((r) => [r, []]));
const cleaned = new Map<string, number>();

const today = Math.floor(Date.now() / DAY) * DAY;
for (let day = 29; day >= 0; day--) {
  const noon = today - day * DAY + 12 * 3_600_000;
  let second = 0;
  const at = () => new Date(noon + 1000 * second++).toISOString();
  await db.query("select set_config('regstat.history_clock', $1, false)", [new Date(noon).toISOString()]);
  const events: object[] = [];
  if (day === 29) events.push(pushBlob({ repository: base.repository, digest: base.layer, size: base.size, host, timestamp: at() }));
  for (const repository of repositories) {
    if (day !== 29 && random() < 0.55) continue;
    const n = versions.get(repository)!.length + 1;
    const config = digestOf(`${repository}/${n}/config`);
    const layer = digestOf(`${repository}/${n}/app`);
    const size = between(4, repository.startsWith("ml/") ? 160 : 40) * MiB;
    const manifest = digestOf(`${repository}/${n}/manifest`);
    if (repository !== base.repository)
      events.push(mountBlob({ repository, digest: base.layer, size: base.size, from: base.repository, host, timestamp: at() }));
    events.push(
      pushBlob({ repository, digest: config, size: 2000, host, timestamp: at() }),
      pushBlob({ repository, digest: layer, size, host, timestamp: at() }),
    );
    const references = [ref(OCI_CONFIG, config, 2000), ref(OCI_LAYER, base.layer, base.size), ref(OCI_LAYER, layer, size)];
    for (const tag of [`v${n}`, "latest"])
      events.push(pushManifest({ repository, digest: manifest, tag, references, host, timestamp: at() }));
    versions.get(repository)!.push(manifest);
  }
  for (let pull = between(4, 14); pull > 0; pull--) {
    const repository = repositories[between(0, repositories.length)]!;
    const latest = versions.get(repository)!.at(-1)!;
    events.push(pullManifest({ repository, digest: latest, tag: "latest", host, timestamp: at() }));
  }
  // a weekly clean-up: the oldest versions but three go, their tags first (untagged), their manifests a day
  // later (their layers orphaned, until a garbage collection)
  if (day % 7 === 3 || day % 7 === 2) {
    for (const repository of ["web/frontend", "ml/trainer", "data/etl"]) {
      const all = versions.get(repository)!;
      const from = cleaned.get(repository) ?? 0;
      for (let i = from; i < all.length - 3; i++) {
        events.push(
          day % 7 === 3
            ? deleteTag({ repository, tag: `v${i + 1}`, host, timestamp: at() })
            : deleteDigest({ repository, digest: all[i]!, host, timestamp: at() }),
        );
      }
      if (day % 7 === 2) cleaned.set(repository, Math.max(from, all.length - 3));
    }
  }
  await deliver(events);
}
await db.query("select set_config('regstat.history_clock', '', false)");

const browser = await openBrowser(app.app);
const page = await browser.page();
await page.setViewportSize({ width: 1280, height: 900 });
await page.goto(`${browser.base}/`);
await page.screenshot({ path: out, fullPage: true });
if (page.errors.length) throw new Error(`console errors: ${page.errors.join("; ")}`);
await browser.close();
await db.close();
console.log(`wrote ${out}`);
