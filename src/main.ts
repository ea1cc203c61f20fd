import * as check from "./commands/check.ts";
import * as deadLetters from "./commands/dead-letters.ts";
import * as healthcheck from "./commands/healthcheck.ts";
import * as migrate from "./commands/migrate.ts";
import * as report from "./commands/report.ts";
import * as serve from "./commands/serve.ts";
import * as sync from "./commands/sync.ts";
import * as systemdUnit from "./commands/systemd-unit.ts";
import { type Command, ConfigError, helpText } from "./config.ts";
import { VERSION } from "./version.ts";

/** Each command is a module with `run(args)`, its `usage` and `summary`; `serve` runs when no command is named. */
const commands: Record<string, Command> = {
  serve,
  report,
  sync,
  migrate,
  check,
  "dead-letters": deadLetters,
  healthcheck,
  "systemd-unit": systemdUnit,
};

async function main(argv: string[]): Promise<number> {
  if (argv.some((a) => ["--help", "-help", "-h"].includes(a))) {
    process.stdout.write(helpText(VERSION, Object.values(commands)));
    return 0;
  }
  if (argv.some((a) => ["--version", "-version"].includes(a))) {
    process.stdout.write(`regstat ${VERSION}\n`);
    return 0;
  }
  const named = argv[0] !== undefined && !argv[0].startsWith("-");
  const name = named ? argv[0]! : "serve";
  const command = commands[name];
  if (!command) {
    process.stderr.write(`regstat: unknown command "${name}" (see --help)\n`);
    return 2;
  }
  return command.run(named ? argv.slice(1) : argv);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`regstat: ${error instanceof ConfigError ? error.message : ((error as Error).message ?? error)}\n`);
    process.exit(1);
  },
);
