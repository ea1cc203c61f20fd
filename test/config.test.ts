import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { ConfigError, helpText, parseConfig, settings } from "../src/config.ts";
import { connectionOptions } from "../src/db/connection-string.ts";
import { loadEquivRegistries, registryNames } from "../src/equiv-registries.ts";

const parse = (argv: string[], env: Record<string, string> = {}) => parseConfig(argv, env).config;

describe("flags", () => {
  test("the original's flags work with one or two dashes", () => {
    const c = parse(["-port", "9999", "--pg-conn-str=host=db user=u", "-docker-config", "/c.json", "--equiv-registries", "/e.json"]);
    expect(c).toMatchObject({ port: 9999, dockerConfig: "/c.json", equivRegistries: "/e.json" });
    expect(c.pgConnStr).toEqual({ options: { host: "db", user: "u" } });
  });

  test("defaults: port 3333, embedded database in ./regstat-data", () => {
    const c = parse([]);
    expect(c).toMatchObject({
      port: 3333,
      pgConnStr: undefined,
      dataDir: "./regstat-data",
      bodyLimit: 1024 * 1024,
      eventRetention: 90 * 86_400_000,
    });
  });

  test("environment variables, flags first; DATABASE_URL and systemd's STATE_DIRECTORY are understood", () => {
    expect(parse([], { REGSTAT_PORT: "4000", DATABASE_URL: "postgres://x@y/z", STATE_DIRECTORY: "/var/lib/regstat" })).toMatchObject({
      port: 4000,
      pgConnStr: { url: "postgres://x@y/z", options: {} },
      dataDir: "/var/lib/regstat",
    });
    expect(parse(["--port", "5000"], { REGSTAT_PORT: "4000" }).port).toBe(5000);
    expect(parse([], { REGSTAT_PG_CONN_STR: "host=b", DATABASE_URL: "postgres://x" }).pgConnStr).toEqual({ options: { host: "b" } });
  });

  test("lists repeat as flags or separate with commas in the environment", () => {
    expect(parse(["--webhook-token", "a", "--webhook-token", "b"]).webhookToken).toEqual(["a", "b"]);
    expect(parse([], { REGSTAT_WEBHOOK_TOKEN: "a, b" }).webhookToken).toEqual(["a", "b"]);
  });

  test("every problem is reported at once, naming the setting, before anything starts", () => {
    let error: unknown;
    try {
      parseConfig(["--port", "99999", "--body-limit", "lots", "--log-level", "loud", "--nope"], { REGSTAT_DB_TIMEOUT: "soon" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.join("\n")).toContain("--port: must be at most 65535");
    expect(problems.join("\n")).toContain("--body-limit");
    expect(problems.join("\n")).toContain("--log-level: must be one of debug, info, warn, error");
    expect(problems.join("\n")).toContain("REGSTAT_DB_TIMEOUT");
    expect(problems.join("\n")).toContain("unknown flag --nope");
  });

  test("a connection string regstat cannot read stops it, without echoing the password", () => {
    try {
      parseConfig(["-pg-conn-str", "host=h password=hunter2 colour=blue"], {});
      throw new Error("expected a ConfigError");
    } catch (e) {
      const text = (e as ConfigError).message;
      expect(text).toContain('--pg-conn-str: unknown connection keyword "colour"');
      expect(text).not.toContain("hunter2");
    }
  });

  test("a bad secret is described, never echoed", () => {
    try {
      parseConfig(["--webhook-token", ""], {});
      throw new Error("expected a ConfigError");
    } catch (e) {
      expect((e as ConfigError).problems.join()).toContain("a value of 0 characters");
    }
  });

  test("--help lists every flag and its environment variables", () => {
    const help = helpText("1.2.3");
    for (const s of Object.values(settings)) {
      expect(help).toContain(`--${s.flag}`);
      for (const env of s.env) expect(help).toContain(`$${env}`);
    }
  });
});

describe("PostgreSQL connection strings", () => {
  test("the libpq keyword form the original took", () => {
    const { options } = connectionOptions("host=db.example port=6543 user=regstat password='p w\\'d' dbname=stats sslmode=disable");
    expect(options).toMatchObject({ host: "db.example", port: 6543, user: "regstat", pass: "p w'd", database: "stats", ssl: false });
  });

  test("postgres:// URLs pass through", () => {
    expect(connectionOptions("postgres://u:p@h:5432/d").url).toBe("postgres://u:p@h:5432/d");
  });

  test("an unknown keyword is an error that names the keyword, not the password", () => {
    expect(() => connectionOptions("host=h password=secret colour=blue")).toThrow('unknown connection keyword "colour"');
    try {
      connectionOptions("host=h password=secret colour=blue");
    } catch (e) {
      expect((e as Error).message).not.toContain("secret");
    }
  });
});

describe("the equivalent-registries file", () => {
  const dir = mkdtempSync(`${tmpdir()}/regstat-equiv-`);

  test("the original's format maps every alias to the preferred name, hosts compared without case", async () => {
    await Bun.write(`${dir}/equiv.json`, JSON.stringify({ "registry.example.com": ["Alias1:5000", "10.0.0.5"], other: ["o1"] }));
    const names = registryNames(await loadEquivRegistries(`${dir}/equiv.json`));
    expect(names("alias1:5000")).toBe("registry.example.com");
    expect(names("10.0.0.5")).toBe("registry.example.com");
    expect(names("o1")).toBe("other");
    expect(names("Unmapped:443")).toBe("unmapped:443");
  });

  test("a missing or malformed file stops regstat with a message naming the setting", async () => {
    await expect(loadEquivRegistries(`${dir}/nope.json`)).rejects.toThrow("--equiv-registries: no file at");
    await Bun.write(`${dir}/bad.json`, JSON.stringify({ "registry.example.com": "alias" }));
    await expect(loadEquivRegistries(`${dir}/bad.json`)).rejects.toThrow("--equiv-registries: ");
  });
});
