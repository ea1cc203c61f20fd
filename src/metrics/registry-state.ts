import type { Db } from "../db/db.ts";
import { runReport, type Row } from "../reports/run.ts";
import { queries } from "../sql.ts";

/** Registries on /metrics: the first this many by name, so a flood of hosts cannot grow the page without end. */
export const METRICS_REGISTRIES = 100;

export type RegistryState = {
  storage: Row;
  registries: Row[];
  stale: Map<string, { not_pulled_30d: number; not_pulled_90d: number }>;
};

/** What /metrics says about the registry's contents, read at scrape time from the reports themselves. */
export async function readRegistryState(db: Db): Promise<RegistryState> {
  const [storage, registries, stale] = await Promise.all([
    runReport(db, "storage", {}),
    runReport(db, "registries", { limit: String(METRICS_REGISTRIES) }),
    db.query<{ registry: string; not_pulled_30d: number; not_pulled_90d: number }>(queries.countStaleTags),
  ]);
  return { storage: storage.rows[0] ?? {}, registries: registries.rows, stale: new Map(stale.map((r) => [r.registry, r])) };
}
