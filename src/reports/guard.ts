import { type Db, isTransient } from "../db/db.ts";
import { AppError } from "../errors.ts";
import { concurrencyGate } from "../security/limits.ts";
import { type Answer, runReport, runScript } from "./run.ts";

/** One report's answer; `script`: its `format=script` answer (the cleanup plan), under the same guard. */
export type RunGuarded = ((name: string, given: Record<string, string>) => Promise<Answer>) & {
  script(name: string, given: Record<string, string>): Promise<string>;
};

const YIELD_AT_MOST_MS = 1000;

/**
 * The report runner as the HTTP API and the dashboard use it: a few reports at a time (one on the embedded
 * database, which runs one statement at a time for everyone) with a short queue, each under a statement
 * timeout, so that hammering reports cannot starve the webhook of the database. `yieldTo`: on PGlite a
 * report first waits (a moment at most) for the ingest writes queued before it.
 */
export function guardedReports(deps: { db: Db; timeoutMs?: number; yieldTo?: () => Promise<void> }): RunGuarded {
  // A report waits for its turn no longer than it may run: a connection idle for longer is cut (server.ts).
  const gate = concurrencyGate(deps.db.kind === "pglite" ? 1 : 4, { queue: 16, maxWaitMs: deps.timeoutMs || Infinity, what: "reports" });
  const guarded = <T>(work: () => Promise<T>) =>
    gate(async () => {
      if (deps.yieldTo) await Promise.race([deps.yieldTo(), Bun.sleep(YIELD_AT_MOST_MS)]);
      try {
        return await work();
      } catch (error) {
        if ((error as { code?: unknown }).code === "57014") {
          throw new AppError(
            503,
            "report_timeout",
            `the report ran longer than --report-timeout (${deps.timeoutMs} ms); narrow it or raise the timeout`,
          );
        }
        if (isTransient(error)) throw new AppError(503, "database_unavailable", "the database is unavailable; retry later");
        throw error;
      }
    });
  const run = (name: string, given: Record<string, string>) =>
    guarded(() => runReport(deps.db, name, given, { timeoutMs: deps.timeoutMs }));
  return Object.assign(run, {
    script: (name: string, given: Record<string, string>) => guarded(() => runScript(deps.db, name, given, { timeoutMs: deps.timeoutMs })),
  });
}
