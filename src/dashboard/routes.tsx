/** @jsxImportSource hono/jsx */
import { type Context, Hono } from "hono";
import { AppError } from "../errors.ts";
import type { RunGuarded } from "../reports/guard.ts";
import { accessRoutes, dashboardAccess } from "./access.tsx";
import script from "./assets/dashboard.js" with { type: "text" };
import icon from "./assets/icon.svg" with { type: "text" };
import style from "./assets/style.css" with { type: "text" };
import { securityHeaders } from "./headers.ts";
import { documentOf } from "./layout.tsx";
import { Cleanup } from "./pages/cleanup.tsx";
import { Deletions } from "./pages/deletions.tsx";
import { ErrorPage } from "./pages/error.tsx";
import { Overview } from "./pages/overview.tsx";
import { Repositories } from "./pages/repositories.tsx";
import { Repository } from "./pages/repository.tsx";
import { Stale } from "./pages/stale.tsx";
import { type Given, type Read, reader } from "./read.ts";

const wantsHtml = (c: Context) => (c.req.header("accept") ?? "").includes("text/html");

type Page = (props: { read: Read; query: Given }) => Promise<unknown>;

/**
 * The read-only dashboard: the overview at GET / when a browser asks (anything else there is the JSON 404
 * it was), the other pages under /dashboard/. Each page renders what the reports answer.
 */
export function dashboardRoutes(deps: { run: RunGuarded; tokens: string[] }) {
  const read = reader(deps.run);
  const app = new Hono();
  app.use("/dashboard/*", securityHeaders);
  app.get("/dashboard/assets/style.css", (c) => c.body(style, 200, { "content-type": "text/css; charset=utf-8" }));
  app.get("/dashboard/assets/dashboard.js", (c) => c.body(script, 200, { "content-type": "text/javascript; charset=utf-8" }));
  // the icon also where a browser looks for one on any page, the JSON reports included
  app.get("/favicon.ico", (c) => c.body(icon, 200, { "content-type": "image/svg+xml" }));
  app.get("/dashboard/assets/icon.svg", (c) => c.body(icon, 200, { "content-type": "image/svg+xml" }));
  app.route("/", accessRoutes(deps.tokens));

  const guard = dashboardAccess(deps.tokens);
  const page = (render: Page) => async (c: Context) => {
    const query = c.req.query();
    try {
      return c.html(documentOf(await render({ read, query })));
    } catch (error) {
      // a refused question (400) or a busy or unavailable database (503): said on a page, with its status
      if (!(error instanceof AppError)) throw error;
      c.error = error;
      return c.html(documentOf(<ErrorPage error={error} />), error.status);
    }
  };
  app.get("/", (c, next) => (wantsHtml(c) ? next() : c.notFound()), securityHeaders, guard, page(Overview));
  app.get("/dashboard", (c) => c.redirect("/", 302));
  app.get("/dashboard/repositories", guard, page(Repositories));
  app.get("/dashboard/repository", guard, page(Repository));
  app.get("/dashboard/stale", guard, page(Stale));
  app.get("/dashboard/cleanup", guard, page(Cleanup));
  app.get("/dashboard/deletions", guard, page(Deletions));
  return app;
}
