import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openPglite } from "../../src/db/pglite.ts";
import { openPostgres } from "../../src/db/postgres.ts";
import { selfSignedCertificate } from "../support/certificate.ts";
import { freshPostgresDatabase } from "../support/db.ts";
import { allFixtures, type Captured } from "../support/fixtures.ts";
import { freePort } from "../support/free-port.ts";
import { keywordForm, postgresServer } from "../support/postgres-cluster.ts";
import { REPORT, replayOver, sourceReplay, stateOf } from "../support/replay.ts";
import { buildExecutable, installAlone, root, runExecutable, type Started, startExecutable } from "./binary.ts";

// The token the registry that produced the captures sent (see ../shared/fixtures/README.md).
const WEBHOOK_TOKEN = "s3cret";
const REPORTS_TOKEN = "reports-token-for-the-packaging-test";

// Mount an empty tmpfs over the repository, so the executable cannot fall back on node_modules or sql/.
const hideRepository = ["unshare", "--mount", "--", "sh", "-c", 'mount -t tmpfs tmpfs "$0" && exec "$@"', root];

let executable: ReturnType<typeof buildExecutable>;
let captured: Captured[];
let expected: Awaited<ReturnType<typeof stateOf>>;
let expectedReport: unknown;
let postgres: Awaited<ReturnType<typeof postgresServer>>;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  executable = buildExecutable();
  captured = await allFixtures();
  // What the source, run in process, makes of the same notifications: the executable must agree.
  ({ state: expected, report: expectedReport } = await sourceReplay(captured));
  expect((expectedReport as { rows: unknown[] }).rows.length).toBeGreaterThan(0);
  postgres = await postgresServer();
  cleanups.push(postgres.stop);
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  executable?.cleanup();
});

/** Each captured request as the registry sent it: same body, same headers (the length is recomputed). */
const replay = (url: string) => replayOver(url, captured);

async function reportsAnswer(url: string) {
  const response = await fetch(`${url}${REPORT}`, { headers: { authorization: `Bearer ${REPORTS_TOKEN}` } });
  return { status: response.status, body: await response.json() };
}

/** A fresh database on the test's PostgreSQL, dropped at the end. */
async function freshPostgres() {
  const database = await freshPostgresDatabase(postgres.url);
  cleanups.push(database.drop);
  return database.url;
}

/** SIGTERM, then the exit code and the log as JSON lines. */
async function stop(running: Started) {
  running.proc.kill("SIGTERM");
  const exitCode = await running.proc.exited;
  const text = await running.stderr();
  return {
    exitCode,
    text,
    log: text
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { msg: string }),
  };
}

describe("the executable, copied alone into an empty directory and run with an empty environment", () => {
  test(
    "on the embedded database: starts from its template, ingests real notifications, answers /reports, stops on SIGTERM, keeps its " +
      "data",
    async () => {
      const { dir, bin, cleanup } = installAlone(executable.path);
      cleanups.push(cleanup);
      const port = freePort();
      const flags = ["-port", String(port), "-webhook-token", WEBHOOK_TOKEN, "-reports-token", REPORTS_TOKEN];

      const startedAt = Date.now();
      const first = await startExecutable(bin, { cwd: dir, args: flags, port, prefix: hideRepository });
      expect(await replay(first.url)).toEqual(captured.map(() => 200));
      const report = await reportsAnswer(first.url);
      expect(report).toEqual({ status: 200, body: expectedReport });
      expect(runExecutable(bin, ["healthcheck", "-port", String(port)], { cwd: dir }).exitCode).toBe(0);
      const firstStop = await stop(first);
      expect(firstStop.exitCode).toBe(0);
      expect(firstStop.log.map((l) => l.msg)).toEqual(expect.arrayContaining(["listening", "stopped"]));
      // The new data directory is the template built with the executable, migrated then, not at this start.
      expect(firstStop.log.find((l) => l.msg === "database")).toMatchObject({ kind: "pglite", created: "template" });
      expect(firstStop.log.map((l) => l.msg)).not.toContain("migrated");
      expect(firstStop.text).not.toContain(WEBHOOK_TOKEN);
      expect(firstStop.text).not.toContain(REPORTS_TOKEN);

      // Started again on the same data directory: nothing to migrate, everything still there.
      const second = await startExecutable(bin, { cwd: dir, args: flags, port, prefix: hideRepository });
      expect(await reportsAnswer(second.url)).toEqual(report);
      const secondStop = await stop(second);
      expect(secondStop.exitCode).toBe(0);
      expect(secondStop.log.map((l) => l.msg)).not.toContain("migrated");

      const healthcheck = runExecutable(bin, ["healthcheck", "-port", String(port)], { cwd: dir });
      expect(healthcheck.exitCode).toBe(1);
      expect(healthcheck.stderr).toContain(`http://127.0.0.1:${port}/healthz`);

      const db = await openPglite(join(dir, "regstat-data"));
      try {
        expect(db.created).toBe("existing");
        expect(await stateOf(db)).toEqual(expected);
        const [migrated] = await db.query<{ at: Date }>("select max(applied) as at from regstat.schema_migrations");
        expect(migrated!.at.getTime()).toBeLessThan(startedAt);
      } finally {
        await db.close();
      }
    },
  );

  test("on PostgreSQL named by -pg-conn-str in the original's keyword form, other settings from the environment", async () => {
    const url = await freshPostgres();
    const { dir, bin, cleanup } = installAlone(executable.path);
    cleanups.push(cleanup);
    const port = freePort();
    const env = { REGSTAT_PORT: String(port), REGSTAT_WEBHOOK_TOKEN: WEBHOOK_TOKEN, REGSTAT_REPORTS_TOKEN: REPORTS_TOKEN };
    const args = ["-pg-conn-str", keywordForm(url)];

    const running = await startExecutable(bin, { cwd: dir, args, env, port, prefix: hideRepository });
    expect(await replay(running.url)).toEqual(captured.map(() => 200));
    expect(await reportsAnswer(running.url)).toEqual({ status: 200, body: expectedReport });
    expect(runExecutable(bin, ["healthcheck"], { cwd: dir, env }).exitCode).toBe(0);
    const stopped = await stop(running);
    expect(stopped.exitCode).toBe(0);
    expect(stopped.log.map((l) => l.msg)).toEqual(expect.arrayContaining(["migrated", "listening", "stopped"]));
    expect(stopped.text).not.toContain(WEBHOOK_TOKEN);

    const db = openPostgres(url, { max: 1 });
    try {
      expect(await stateOf(db)).toEqual(expected);
    } finally {
      await db.close();
    }
  });

  test("healthcheck follows the server onto HTTPS with the same --tls-cert and --tls-key", async () => {
    const { dir, bin, cleanup } = installAlone(executable.path);
    cleanups.push(cleanup);
    const { cert, key } = selfSignedCertificate(dir);
    const port = freePort();
    const tls = ["-port", String(port), "-tls-cert", cert, "-tls-key", key];
    const args = [...tls, "-pg-conn-str", await freshPostgres()];
    const running = await startExecutable(bin, { cwd: dir, args, port, https: true });
    expect(runExecutable(bin, ["healthcheck", ...tls], { cwd: dir }).exitCode).toBe(0);
    expect(runExecutable(bin, ["healthcheck", "-port", String(port)], { cwd: dir }).exitCode).toBe(1);
    expect((await stop(running)).exitCode).toBe(0);
  });

  test("regstat systemd-unit prints the unit embedded at build time", () => {
    const { dir, bin, cleanup } = installAlone(executable.path);
    cleanups.push(cleanup);
    const printed = runExecutable(bin, ["systemd-unit"], { cwd: dir, prefix: hideRepository });
    expect(printed.exitCode).toBe(0);
    expect(printed.stdout).toBe(readFileSync(join(root, "deploy/regstat.service"), "utf8"));
  });
});
