import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Config } from "./config.ts";
import { dashboardRoutes } from "./dashboard/routes.tsx";
import type { Db } from "./db/db.ts";
import { pendingMigrations } from "./db/migrate.ts";
import { deadLetterRoutes } from "./dead-letters/routes.ts";
import { beforeDeadline } from "./deadline.ts";
import type { RegistryNames } from "./equiv-registries.ts";
import { AppError } from "./errors.ts";
import { pullCounting } from "./ingest/counted-pulls.ts";
import type { Ingestor } from "./ingest/ingestor.ts";
import type { Logger } from "./log.ts";
import { createMetrics, type Metrics } from "./metrics/metrics.ts";
import { requestLog } from "./metrics/request-log.ts";
import { metricsRoutes } from "./metrics/routes.ts";
import { guardedReports } from "./reports/guard.ts";
import { reportRoutes } from "./reports/routes.ts";
import { bearerAuth, TOKEN_COOKIE } from "./security/bearer.ts";
import { loadTokens, type Tokens } from "./security/tokens.ts";
import { watchRestarts } from "./sources/restarts.ts";
import { WEBHOOK_PATHS, webhookRoutes } from "./webhook/routes.ts";

export type AppDeps = {
  db: Db;
  ingestor: Ingestor;
  names: RegistryNames;
  config: Config;
  log: Logger;
  /** made here when not given: the server shares its own with background work */
  metrics?: Metrics;
  /** read from config (flags and token files) when not given */
  tokens?: Tokens;
  /** told when a manifest without references was stored: the fetch queue has work now */
  onFetchQueued?: () => void;
  /** told when a registry process restarted (and lost the events it had not delivered) */
  onRegistryRestart?: (registry: string) => void;
};

/** The whole HTTP surface, built from its dependencies so a test can build one on a test database. */
export function createApp(deps: AppDeps) {
  const { config, log } = deps;
  const app = new Hono();
  const metrics = deps.metrics ?? createMetrics();
  const tokens = deps.tokens ?? loadTokens(config);
  if (!tokens.webhook.length) log.warn("the webhook is open: anyone who reaches it can record events (set --webhook-token)");
  if (!tokens.reports.length) log.warn("/reports and /metrics are open (set --reports-token)");
  const reportsGuard = bearerAuth(tokens.reports, "regstat-reports", { cookie: TOKEN_COOKIE });
  const webhookGuard = bearerAuth(tokens.webhook, "regstat-webhook");
  const rules = { names: deps.names, pulls: pullCounting(config.ignorePullsFrom) };
  const observeSources = watchRestarts({ db: deps.db, log, metrics, onRestart: deps.onRegistryRestart });
  app.use(requestLog(log, metrics));
  app.on("POST", WEBHOOK_PATHS, webhookGuard);
  app.use("/reports/*", reportsGuard);
  app.route("/", metricsRoutes({ db: deps.db, metrics, timeoutMs: config.dbTimeout, guard: reportsGuard }));

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    try {
      // Bounded like the webhook: a probe must not hang on a database host that does not answer.
      const pending = await beforeDeadline(pendingMigrations(deps.db), AbortSignal.timeout(config.dbTimeout), () => "late");
      if (pending) return c.json({ status: "migrating", pending }, 503);
      return c.json({ status: "ready" });
    } catch {
      return c.json({ status: "database_unavailable" }, 503);
    }
  });

  const run = guardedReports({
    db: deps.db,
    timeoutMs: config.reportTimeout,
    yieldTo: deps.db.kind === "pglite" ? () => deps.ingestor.idle() : undefined,
  });
  app.route("/", reportRoutes({ run }));
  app.route("/", dashboardRoutes({ run, tokens: tokens.reports }));
  app.route("/", deadLetterRoutes({ db: deps.db, rules, log, guard: webhookGuard }));
  app.route(
    "/",
    webhookRoutes({
      ingestor: deps.ingestor,
      rules,
      bodyLimit: config.bodyLimit,
      maxEvents: config.maxEvents,
      dbTimeout: config.dbTimeout,
      bodyTimeout: config.bodyTimeout,
      onOutcome: async (outcome) => {
        const now = Date.now() / 1000;
        for (const e of outcome.events) {
          metrics.events.inc({ action: e.action, outcome: e.result });
          if (e.cause) metrics.deadLetters.inc({ cause: e.cause });
          if (e.registry) metrics.lastEvent.set({ registry: e.registry }, now);
        }
        for (const e of outcome.storedEvents) if (e.clamped_from) metrics.clockAhead.inc();
        if (outcome.fetchQueued) deps.onFetchQueued?.();
        // only what was stored: a redelivered id is a no-op, whatever source it names now
        await observeSources(outcome.storedEvents);
      },
    }),
  );

  app.notFound((c) => new AppError(404, "not_found", `no route for ${c.req.method} ${c.req.path}`).getResponse());
  app.onError((error, c) => {
    // The request log line already names the error code: one line per request.
    if (error instanceof HTTPException) return AppError.from(error).getResponse();
    log.error("unexpected error", { path: c.req.path, error: (error as Error).message });
    return new AppError(500, "internal_error", "internal error").getResponse();
  });
  return app;
}
