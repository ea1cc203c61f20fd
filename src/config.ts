import * as v from "valibot";
import { connectionOptions } from "./db/connection-string.ts";
import { durationHelp, durationSchema } from "./duration.ts";
import { type Args, readArgs } from "./flags.ts";
import { levels } from "./log.ts";

/**
 * Every setting once: its flag, its environment variables, its help line, and how its text becomes a value.
 * Flags take one or two dashes (`-port 3333`, `--port=3333`), as the original Go program's did.
 */
type Setting = {
  flag: string;
  env: string[];
  help: string;
  default?: string;
  /** may be given more than once (a flag repeated, or a comma-separated variable) */
  list?: boolean;
  /** a switch: `--flag` alone means true */
  boolean?: boolean;
  schema: v.GenericSchema<string, unknown>;
};

const text = v.pipe(v.string(), v.minLength(1, "must not be empty"));
const port = v.pipe(
  v.string(),
  v.regex(/^\d+$/, "must be a whole number"),
  v.transform(Number),
  v.number(),
  v.maxValue(65535, "must be at most 65535"),
);
const duration = durationSchema();
const bytes = v.pipe(
  v.string(),
  v.regex(/^\d+(k|ki|kib|m|mi|mib)?$/i, 'must be a byte count such as "1048576", "512k" or "1m"'),
  v.transform((s) => {
    const n = Number.parseInt(s, 10);
    return /k/i.test(s) ? n * 1024 : /m/i.test(s) ? n * 1024 * 1024 : n;
  }),
);
const count = v.pipe(v.string(), v.regex(/^[1-9]\d*$/, "must be a positive whole number"), v.transform(Number));
const bool = v.pipe(
  v.picklist(["true", "false", "1", "0", "yes", "no"], "must be true or false"),
  v.transform((s) => ["true", "1", "yes"].includes(s)),
);
const url = v.pipe(v.string(), v.url("must be a URL such as https://registry.example.com"));

export const settings = {
  port: { flag: "port", env: ["REGSTAT_PORT"], help: "the port number to listen on", default: "3333", schema: port },
  host: { flag: "host", env: ["REGSTAT_HOST"], help: "the address to listen on", default: "0.0.0.0", schema: text },
  pgConnStr: {
    flag: "pg-conn-str",
    env: ["REGSTAT_PG_CONN_STR", "DATABASE_URL"],
    help:
      'the PostgreSQL connection: "host=h port=5432 user=u password=p dbname=d sslmode=disable" or postgres://u:p@h:5432/d; without ' +
      "it, regstat runs on an embedded PostgreSQL in --data-dir",
    schema: v.pipe(
      text,
      v.rawTransform(({ dataset, addIssue, NEVER }) => {
        try {
          return connectionOptions(dataset.value);
        } catch (error) {
          addIssue({ message: (error as Error).message });
          return NEVER;
        }
      }),
    ),
  },
  dataDir: {
    flag: "data-dir",
    env: ["REGSTAT_DATA_DIR", "STATE_DIRECTORY"],
    help: "where the embedded database lives when no PostgreSQL is named",
    default: "./regstat-data",
    schema: text,
  },
  dockerConfig: {
    flag: "docker-config",
    env: ["REGSTAT_DOCKER_CONFIG"],
    help: "the path to a Docker config.json holding the registries' login credentials",
    schema: text,
  },
  equivRegistries: {
    flag: "equiv-registries",
    env: ["REGSTAT_EQUIV_REGISTRIES"],
    help: "the path to the equiv-registries.json file that maps a registry's aliases to one name",
    schema: text,
  },
  registryUrl: {
    flag: "registry-url",
    env: ["REGSTAT_REGISTRY_URL"],
    help: "a registry regstat may call back (repeat the flag, or separate with commas)",
    list: true,
    schema: url,
  },
  syncInterval: {
    flag: "sync-interval",
    env: ["REGSTAT_SYNC_INTERVAL"],
    help: `how often the server reconciles with the registries named by --registry-url (${durationHelp}; 0 = never)`,
    default: "0",
    schema: duration,
  },
  ignorePullsFrom: {
    flag: "ignore-pulls-from",
    env: ["REGSTAT_IGNORE_PULLS_FROM"],
    help:
      'a user agent whose pulls are logged but not counted, "*" matching anything (repeat, or separate with commas): scanners, ' +
      "mirrors, replication",
    list: true,
    schema: text,
  },
  webhookToken: {
    flag: "webhook-token",
    env: ["REGSTAT_WEBHOOK_TOKEN"],
    help: "a bearer token the registry must send to the webhook (repeat, or separate with commas, to rotate)",
    list: true,
    schema: text,
  },
  webhookTokenFile: {
    flag: "webhook-token-file",
    env: ["REGSTAT_WEBHOOK_TOKEN_FILE"],
    help: "a file holding webhook tokens, one a line",
    schema: text,
  },
  reportsToken: {
    flag: "reports-token",
    env: ["REGSTAT_REPORTS_TOKEN"],
    help: "a bearer token required by /reports and /metrics (repeat, or separate with commas, to rotate)",
    list: true,
    schema: text,
  },
  reportsTokenFile: {
    flag: "reports-token-file",
    env: ["REGSTAT_REPORTS_TOKEN_FILE"],
    help: "a file holding reports tokens, one a line",
    schema: text,
  },
  tlsCert: { flag: "tls-cert", env: ["REGSTAT_TLS_CERT"], help: "a PEM certificate: serve HTTPS", schema: text },
  tlsKey: { flag: "tls-key", env: ["REGSTAT_TLS_KEY"], help: "the PEM private key for --tls-cert", schema: text },
  bodyLimit: {
    flag: "body-limit",
    env: ["REGSTAT_BODY_LIMIT"],
    help: "the largest notification body accepted (larger gets 413)",
    default: "1m",
    schema: bytes,
  },
  maxEvents: {
    flag: "max-events",
    env: ["REGSTAT_MAX_EVENTS"],
    help: "the most events one envelope may hold (more gets 413)",
    default: "1000",
    schema: count,
  },
  dbTimeout: {
    flag: "db-timeout",
    env: ["REGSTAT_DB_TIMEOUT"],
    help: `how long the webhook waits for the database before answering 503 so the registry retries (${durationHelp})`,
    default: "450ms",
    schema: duration,
  },
  bodyTimeout: {
    flag: "body-timeout",
    env: ["REGSTAT_BODY_TIMEOUT"],
    help: `how long a notification's body may take to arrive before it is answered 408 (${durationHelp})`,
    default: "10s",
    schema: duration,
  },
  reportTimeout: {
    flag: "report-timeout",
    env: ["REGSTAT_REPORT_TIMEOUT"],
    help: `the longest a report may run on PostgreSQL (its statement timeout) before it is answered 503 (${durationHelp})`,
    default: "30s",
    schema: duration,
  },
  eventRetention: {
    flag: "event-retention",
    env: ["REGSTAT_EVENT_RETENTION"],
    help: `how long raw events are kept before being folded into per-day counts (${durationHelp}; 0 = forever)`,
    default: "90d",
    schema: duration,
  },
  logLevel: {
    flag: "log-level",
    env: ["REGSTAT_LOG_LEVEL"],
    help: `${levels.join(", ")}`,
    default: "info",
    schema: v.picklist(levels, `must be one of ${levels.join(", ")}`),
  },
  logJson: {
    flag: "log-json",
    env: ["REGSTAT_LOG_JSON"],
    help: "JSON log lines even on a terminal (the default elsewhere)",
    boolean: true,
    schema: bool,
  },
} satisfies Record<string, Setting>;

type Settings = typeof settings;
type ValueOf<S extends Setting> = v.InferOutput<S["schema"]>;
export type Config = {
  [K in keyof Settings]: Settings[K] extends { list: true }
    ? ValueOf<Settings[K]>[]
    : Settings[K] extends { default: string }
      ? ValueOf<Settings[K]>
      : ValueOf<Settings[K]> | undefined;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid settings:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** `rest`: what the settings do not take, for a command to read as its own (with `allowUnknown`). */
export type Parsed = { config: Config; rest: Args };

/**
 * Reads flags, then environment variables, then defaults. Unknown flags stay in `rest` only when
 * `allowUnknown` (commands take their own); otherwise every problem is collected and thrown at once.
 */
export function parseConfig(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  options: { allowUnknown?: boolean } = {},
): Parsed {
  const byFlag = new Map(Object.entries(settings).map(([key, s]) => [s.flag, key as keyof Settings]));
  const isSwitch = (flag: string) => (settings as Record<string, Setting>)[byFlag.get(flag) ?? ""]?.boolean === true;
  const { flags, positional } = readArgs(argv, isSwitch);
  const given = new Map<keyof Settings, string[]>();
  const problems: string[] = [];
  const rest: Args = { flags: [], positional };

  for (const flag of flags) {
    const key = byFlag.get(flag.name);
    if (!key) {
      if (options.allowUnknown) rest.flags.push(flag);
      else problems.push(`unknown flag --${flag.name} (see --help)`);
    } else if (flag.value === undefined) problems.push(`--${flag.name}: needs a value`);
    else given.set(key, [...(given.get(key) ?? []), flag.value]);
  }

  const config: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(settings) as [keyof Settings, Setting][]) {
    let values = given.get(key);
    let source = `--${raw.flag}`;
    if (!values) {
      const name = raw.env.find((n) => env[n] !== undefined && env[n] !== "");
      if (name) {
        values = raw.list
          ? env[name]!.split(",")
              .map((s) => s.trim())
              .filter(Boolean)
          : [env[name]!];
        source = name;
      }
    }
    if (!values && raw.default !== undefined) values = [raw.default];
    if (!values) {
      config[key] = raw.list ? [] : undefined;
      continue;
    }
    if (!raw.list && values.length > 1) problems.push(`${source}: given ${values.length} times, takes one value`);
    const parsed = values.map((value) => {
      const result = v.safeParse(raw.schema, value);
      if (!result.success) problems.push(`${source}: ${result.issues[0].message} (got ${describe(key, value)})`);
      return result.success ? result.output : undefined;
    });
    config[key] = raw.list ? parsed : parsed[0];
  }
  if (Boolean(config.tlsCert) !== Boolean(config.tlsKey)) problems.push("--tls-cert and --tls-key go together");
  if (problems.length) throw new ConfigError(problems);
  return { config: config as Config, rest };
}

/** Never echo a secret back: a bad token or connection string is described, not printed. */
function describe(key: keyof Settings, value: string) {
  const secret = key === "pgConnStr" || key.endsWith("Token");
  return secret ? `a value of ${value.length} characters` : JSON.stringify(value);
}

/** What a command module exports (src/commands/*.ts). */
export type Command = { usage: string; summary: string; run(args: string[]): Promise<number> };

export function helpText(version: string, commands: Pick<Command, "usage" | "summary">[] = []) {
  const synopsis = ({ usage, summary }: Pick<Command, "usage" | "summary">) => {
    const left = `regstat ${usage}`;
    return left.length < 38 ? `${left.padEnd(38)} ${summary}` : `${left}\n${" ".repeat(41)}${summary}`;
  };
  const usage = [...commands.map(synopsis), "regstat --help | --version"];
  const lines = Object.values(settings as Record<string, Setting>).map((s) => {
    const name = `  --${s.flag}${s.boolean ? "" : " <value>"}`;
    const env = s.env.map((e) => `$${e}`).join(", ");
    const def = s.default !== undefined ? ` (default ${JSON.stringify(s.default)})` : "";
    return `${name}\n      ${s.help}${def}\n      env: ${env}`;
  });
  return `regstat ${version}: persists a Docker registry's notifications and answers questions about it

Usage:
${usage.map((line) => `  ${line}`).join("\n")}

Flags take one or two dashes; every flag also reads the environment variables shown.

${lines.join("\n")}
`;
}
