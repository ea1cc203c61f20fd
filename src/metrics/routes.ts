import { Hono, type MiddlewareHandler } from "hono";
import type { Db } from "../db/db.ts";
import { queries } from "../sql.ts";
import type { Metrics } from "./metrics.ts";
import { readRegistryState } from "./registry-state.ts";

type FetchCounts = { pending: number; retrying: number; failed: number };

/**
 * GET /metrics. The fetch queue and the registry's contents are read from the database at scrape time, so
 * every instance reports the same figures; when the database does not answer within `timeoutMs` the page still comes, with
 * regstat_database_up 0.
 */
export function metricsRoutes(deps: { db: Db; metrics: Metrics; timeoutMs: number; guard: MiddlewareHandler }) {
  const { db, metrics } = deps;
  const app = new Hono();
  app.get("/metrics", deps.guard, async (c) => {
    let timer: Timer | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, deps.timeoutMs)));
    const read = await Promise.race([
      Promise.all([db.query<FetchCounts>(queries.countFetchJobs), readRegistryState(db, metrics.namedRegistries)]).catch(() => undefined),
      timeout,
    ]).finally(() => clearTimeout(timer));
    metrics.databaseUp.set({}, read ? 1 : 0);
    const counts = read?.[0][0];
    if (counts) for (const state of ["pending", "retrying", "failed"] as const) metrics.fetchJobs.set({ state }, counts[state]);
    metrics.recordRegistryState(read?.[1]);
    return c.body(metrics.render(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });
  return app;
}
