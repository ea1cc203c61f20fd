import pkg from "../package.json" with { type: "json" };
import { ConfigError, helpText, parseConfig } from "./config.ts";
import { createLogger } from "./log.ts";
import { startServer } from "./server.ts";

const version = pkg.version;

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-help") || argv.includes("-h")) {
    process.stdout.write(helpText(version));
    return 0;
  }
  if (argv.includes("--version") || argv.includes("-version")) {
    process.stdout.write(`regstat ${version}\n`);
    return 0;
  }
  const [command = "serve", ...args] = argv[0] && !argv[0].startsWith("-") ? argv : ["serve", ...argv];
  switch (command) {
    case "serve":
      return serve(args);
    default:
      process.stderr.write(`regstat: unknown command "${command}" (see --help)\n`);
      return 2;
  }
}

async function serve(args: string[]): Promise<number> {
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof ConfigError) process.stderr.write(`regstat: ${error.message}\n`);
    else process.stderr.write(`regstat: ${(error as Error).message ?? error}\n`);
    process.exit(1);
  },
);
