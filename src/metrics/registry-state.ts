import type { Db } from "../db/db.ts";
import { type Row, runReport } from "../reports/run.ts";
import { queries } from "../sql.ts";

/**
 * Registries on /metrics: the first this many by name, so a flood of hosts cannot grow the page without end,
 * and every registry the operator named besides, wherever its name sorts.
 */
export const METRICS_REGISTRIES = 100;

/** Repositories on /metrics: the largest this many, one series each. */
export const METRICS_TOP_REPOSITORIES = 20;

export type RegistryState = {
  storage: Row;
  largest: Row[];
  registries: Row[];
  stale: Map<string, { not_pulled_30d: number; not_pulled_90d: number }>;
};

/** What /metrics says about the registry's contents, read at scrape time from the reports themselves. */
export async function readRegistryState(db: Db, named: string[] = []): Promise<RegistryState> {
  const [storage, largest, page, stale, ...namedRows] = await Promise.all([
    runReport(db, "storage", {}),
    runReport(db, "largest-repositories", { limit: String(METRICS_TOP_REPOSITORIES) }),
    runReport(db, "registries", { limit: String(METRICS_REGISTRIES) }),
    db.query<{ registry: string; not_pulled_30d: number; not_pulled_90d: number }>(queries.countStaleTags),
    ...named.map((registry) => runReport(db, "registries", { registry })),
  ]);
  const registries = new Map(page.rows.map((r) => [String(r.registry), r]));
  for (const row of namedRows.flatMap((answer) => answer.rows)) registries.set(String(row.registry), row);
  return {
    storage: storage.rows[0] ?? {},
    largest: largest.rows,
    registries: [...registries.values()],
    stale: new Map(stale.map((r) => [r.registry, r])),
  };
}
