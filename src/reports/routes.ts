import { Hono } from "hono";
import { badRequest } from "../errors.ts";
import { toCsv } from "./format.ts";
import type { RunGuarded } from "./guard.ts";
import { describeReports, findReport } from "./run.ts";

/**
 * GET /reports (the catalogue) and GET /reports/<name> (one answer, JSON, ?format=csv, or ?format=script for
 * a plan), through the guarded runner.
 */
export function reportRoutes(deps: { run: RunGuarded }) {
  const app = new Hono();

  app.get("/reports", async (c) => c.json({ reports: describeReports(), coverage: (await deps.run("coverage", {})).rows }));

  app.get("/reports/:name", async (c) => {
    const report = findReport(c.req.param("name"));
    const given: Record<string, string> = {};
    for (const [name, values] of Object.entries(c.req.queries())) {
      if (values.length > 1)
        throw badRequest("invalid_parameter", `${name}: given ${values.length} times, takes one value`, { parameter: name });
      given[name] = values[0]!;
    }
    const format = given.format ?? "json";
    delete given.format;
    const formats = report.script ? ["json", "csv", "script"] : ["json", "csv"];
    if (!formats.includes(format)) {
      throw badRequest("invalid_parameter", `format: must be ${formats.join(" or ")} (got ${JSON.stringify(format.slice(0, 40))})`, {
        parameter: "format",
        allowed: formats,
      });
    }
    if (format === "script") {
      return c.body(await deps.run.script(report.name, given), 200, {
        "content-type": "text/x-shellscript; charset=utf-8",
        "content-disposition": `attachment; filename="${report.name}.sh"`,
      });
    }
    const answer = await deps.run(report.name, given);
    if (format === "json") return c.json(answer);
    const headers: Record<string, string> = {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${report.name}.csv"`,
    };
    if (answer.next_cursor) headers["x-next-cursor"] = answer.next_cursor;
    Object.assign(headers, report.csvHeaders?.(answer));
    return c.body(toCsv(Object.keys(report.columns), answer.rows), 200, headers);
  });

  return app;
}
