import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Db } from "../../src/db/db.ts";
import { testApp } from "../support/app.ts";
import { freshDb } from "../support/db.ts";
import { allFixtures } from "../support/fixtures.ts";

// deploy/grafana-dashboard.json, as Grafana's "Import dashboard" takes it: checked for the fields an import
// needs and for asking only for metrics regstat serves.
const dashboard = await Bun.file(join(import.meta.dir, "../../deploy/grafana-dashboard.json")).json();

let db: Db;
let served: Map<string, string>;
beforeAll(async () => {
  db = await freshDb();
  const app = testApp(db);
  for (const request of await allFixtures()) await app.post(request.body, { "content-type": request.headers["content-type"]! });
  const text = await (await app.app.request("/metrics")).text();
  served = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
});
afterAll(() => db.close());

const queries = (): string[] => [
  ...dashboard.panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr)),
  ...dashboard.templating.list.map((v: any) => v.definition),
];

describe("the Grafana dashboard in deploy/", () => {
  test("has what an import needs: a uid, a title, a Prometheus data source input, panels on the 24-column grid", () => {
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(typeof dashboard.title).toBe("string");
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: "DS_PROMETHEUS", type: "datasource", pluginId: "prometheus" })]);
    const ids = dashboard.panels.map((p: any) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      for (const n of [x, y, w, h]) expect(Number.isInteger(n) && n >= 0).toBe(true);
      expect(x + w).toBeLessThanOrEqual(24);
      if (panel.type === "row") continue;
      expect(["stat", "timeseries", "bargauge", "gauge"]).toContain(panel.type);
      expect(panel.datasource).toEqual({ type: "prometheus", uid: "${DS_PROMETHEUS}" });
      expect(panel.targets.length).toBeGreaterThan(0);
      const refIds = panel.targets.map((t: any) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      for (const target of panel.targets) expect(target.datasource).toEqual(panel.datasource);
    }
  });

  test("asks only for metrics regstat serves, with balanced brackets", () => {
    const asked = new Set<string>();
    for (const query of queries()) {
      for (const [open, close] of [
        ["(", ")"],
        ["{", "}"],
        ["[", "]"],
      ] as const) {
        expect(query.split(open).length, query).toBe(query.split(close).length);
      }
      for (const [name] of query.matchAll(/\bregstat_[a-z_]+/g)) {
        const family = served.has(name) ? name : name.replace(/_(bucket|sum|count)$/, "");
        expect(served.has(family), `${name} in ${query}`).toBe(true);
        if (family !== name) expect(served.get(family)).toBe("histogram");
        asked.add(family);
      }
    }
    // the figures of the registry's contents are all on it
    for (const name of [
      "regstat_storage_bytes",
      "regstat_registry_repositories",
      "regstat_registry_images",
      "regstat_registry_tags",
      "regstat_registry_tags_not_pulled",
      "regstat_repository_bytes",
    ]) {
      expect(asked.has(name), name).toBe(true);
    }
  });
});
