import { Hono, type MiddlewareHandler } from "hono";
import type { Db } from "../db/db.ts";
import { beforeDeadline } from "../deadline.ts";
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
    const reading = Promise.all([db.query<FetchCounts>(queries.countFetchJobs), readRegistryState(db, metrics.namedRegistries)]);
    const read = await beforeDeadline(reading, AbortSignal.timeout(deps.timeoutMs), () => "late").catch(() => undefined);
    metrics.databaseUp.set({}, read ? 1 : 0);
    const counts = read?.[0][0];
    if (counts) for (const state of ["pending", "retrying", "failed"] as const) metrics.fetchJobs.set({ state }, counts[state]);
    metrics.recordRegistryState(read?.[1]);
    return c.body(metrics.render(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });
  return app;
}
