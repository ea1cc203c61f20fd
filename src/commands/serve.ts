import { parseConfig } from "../config.ts";
import { createLogger } from "../log.ts";
import { startServer } from "../server.ts";

export const usage = "[flags]";
export const summary = "run the service (the default)";

/** The bound on a shutdown: systemd's and Kubernetes' grace periods are longer, so regstat exits first. */
const SHUTDOWN_MS = 10_000;
/** What closing the database may take once draining is given up (PostgreSQL's connections are ended by then). */
const CLOSE_MS = 1_500;

/**
 * Serves until SIGTERM or SIGINT, then drains what is in flight, closes the database and exits 0 within
 * 10 s. Past 8.5 s what is still in flight is cut and the database closed anyway: exit 1. Only if closing
 * hangs too does the process exit at 10 s without it (a lock left behind is then taken over at the next start).
 * The bound holds while the event loop runs: a statement the embedded database is running is never cut.
 */
export async function run(args: string[]): Promise<number> {
  const { config } = parseConfig(args);
  const log = createLogger({ level: config.logLevel, json: config.logJson || undefined });
  const running = await startServer(config, log);
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  log.info("stopping");
  const stopping = performance.now();
  const drained = await running.drain(SHUTDOWN_MS - CLOSE_MS);
  const forced = setTimeout(() => {
    log.error("shutdown took longer than 10s; exiting without closing the database");
    process.exit(1);
  }, CLOSE_MS);
  await running.close();
  clearTimeout(forced);
  if (!drained) {
    log.error(`shutdown: the work still in flight after ${(SHUTDOWN_MS - CLOSE_MS) / 1000}s was cut and the database closed; exiting 1`);
    return 1;
  }
  // Timers cannot fire while the embedded database runs a statement: a commit under way finishes first.
  const ms = Math.round(performance.now() - stopping);
  if (ms > SHUTDOWN_MS) log.warn("shutdown took longer than 10s, finishing the embedded database's commits under way", { ms });
  log.info("stopped");
  return 0;
}
