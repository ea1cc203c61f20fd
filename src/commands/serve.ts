import { parseConfig } from "../config.ts";
import { createLogger } from "../log.ts";
import { startServer } from "../server.ts";

export const summary = "run the service (the default)";

/** Serves until SIGTERM or SIGINT, then drains what is in flight and exits 0 within 10 s. */
export async function run(args: string[]): Promise<number> {
  const { config } = parseConfig(args);
  const log = createLogger({ level: config.logLevel, json: config.logJson || undefined });
  const running = await startServer(config, log);
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  log.info("stopping");
  const forced = setTimeout(() => {
    log.error("shutdown took longer than 10s; exiting");
    process.exit(1);
  }, 10_000);
  await running.stop();
  clearTimeout(forced);
  log.info("stopped");
  return 0;
}
