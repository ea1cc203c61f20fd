import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { matchedRoutes } from "hono/route";
import { AppError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { WEBHOOK_PATHS } from "../webhook/routes.ts";
import type { Metrics } from "./metrics.ts";

const probes = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * A fixed, small set of route names, so a stranger's paths cannot add label values: read from the route
 * that answered (its pattern as registered), or the last middleware that did when no route did.
 */
function routeOf(c: Context) {
  const { method, path } = matchedRoutes(c)[c.req.routeIndex] ?? { method: c.req.method, path: "" };
  if (method === "POST" && WEBHOOK_PATHS.includes(path)) return "webhook";
  if (probes.has(path)) return path.slice(1);
  if (path === "/reports" || path.startsWith("/reports/")) return "reports";
  if ((method === "GET" && path === "/") || path === "/dashboard" || path.startsWith("/dashboard/")) return "dashboard";
  return "other";
}

/**
 * One log line per request (method, path, status, duration, error code; never a header, a query string
 * or a body), plus the request metrics. Probes log at debug when they succeed: they come every few seconds.
 */
export function requestLog(log: Logger, metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const { method, path } = c.req;
    const route = routeOf(c);
    const status = c.res.status;
    const code = c.error instanceof HTTPException ? AppError.from(c.error).code : c.error ? "internal_error" : undefined;
    metrics.requests.inc({ route, status: String(status) });
    if (route === "webhook") {
      metrics.webhookSeconds.observe(seconds);
      if (status >= 400) metrics.rejected.inc({ code: code ?? String(status) });
    }
    const fields = {
      method,
      path: path.length > 200 ? `${path.slice(0, 200)}...` : path,
      status,
      ms: Math.round(seconds * 10_000) / 10,
      ...(code ? { error: code } : {}),
    };
    if (status >= 500) log.warn("request", fields);
    else if (probes.has(path) && status < 400) log.debug("request", fields);
    else log.info("request", fields);
  };
}
