import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { commandDatabase } from "../support/db.ts";

// The command as a user runs it, on its own database: PostgreSQL when the tests have one, else an
// embedded database in a temp directory.
const main = join(import.meta.dir, "../../src/main.ts");

describe("regstat report", () => {
  let database: Awaited<ReturnType<typeof commandDatabase>>;
  let args: string[];
  beforeAll(async () => {
    database = await commandDatabase("report");
    args = database.args;
  });
  afterAll(() => database.drop());

  const run = (...rest: string[]) => {
    const p = Bun.spawnSync(["bun", main, "report", ...rest, ...args], { env: { ...process.env, REGSTAT_PG_CONN_STR: "" } });
    return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
  };

  test("on an empty database: JSON, a table with its header, or CSV with its header only", () => {
    const json = run("activity", "--days", "2");
    expect(json.code).toBe(0);
    const answer = JSON.parse(json.out);
    expect(answer.report).toBe("activity");
    expect(answer.rows).toHaveLength(2);
    expect(answer.rows[0]).toMatchObject({ pushes: 0, pulls: 0, mounts: 0, deletes: 0 });
    const table = run("storage", "--format=table");
    expect(table.out.split("\n")[0]).toBe("deduplicated_bytes  summed_bytes  orphaned_bytes  untagged_bytes");
    expect(run("images", "--format", "csv").out).toBe("registry,repository,tag,digest,media_type,size,pushed,pulled,pull_count\r\n");
  });

  test("answers are live: a blob stored straight into the database is in the next answer", async () => {
    const db = await database.open();
    await db.query("insert into regstat.blobs (digest, size) values ('sha256:' || repeat('b', 64), 4321)");
    await db.close();
    const answer = run("storage", "--grace", "0");
    expect(answer.code).toBe(0);
    expect(JSON.parse(answer.out).rows[0]).toMatchObject({ deduplicated_bytes: 4321, orphaned_bytes: 4321 });
    expect(JSON.parse(answer.out).as_of).toBeUndefined();
    // a script written for the snapshots still gets its answer
    expect(JSON.parse(run("storage", "--fresh", "true").out).rows[0].deduplicated_bytes).toBe(4321);
  });

  test("regstat check: exit 0 while the kept figures agree, 1 naming each one that does not", async () => {
    const check = () => {
      const p = Bun.spawnSync(["bun", main, "check", ...args], { env: { ...process.env, REGSTAT_PG_CONN_STR: "" } });
      return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
    };
    const clean = check();
    expect(clean).toMatchObject({ code: 0, out: "" });
    expect(clean.err).toContain("every kept figure equals its recomputation");
    const db = await database.open();
    await db.query("update regstat.registry_totals set blob_bytes = blob_bytes + 1");
    await db.query("update regstat.blob_refs set repositories = 7");
    await db.close();
    const dirty = check();
    expect(dirty.code).toBe(1);
    expect(dirty.out).toBe(
      [
        `blob_refs digest=sha256:${"b".repeat(64)}: repositories 7, expected 0`,
        "registry_totals: blob_bytes 4322, expected 4321; deduplicated_bytes 4322, expected 4321",
        "",
      ].join("\n"),
    );
    expect(dirty.err).toContain("2 difference(s)");
    expect(check().code).toBe(1);
  });

  test("bad parameters exit 2 with the parameter named", () => {
    const bad = run("older-than", "--days", "-3");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("days: must be a whole number of days from 0 to 36500");
    expect(run("nonsense").err).toContain('there is no report "nonsense" (allowed: images, blobs,');
    expect(run("images", "--days", "3").err).toContain('no parameter "days" (allowed: registry, repository, limit, cursor)');
    expect(run("images", "--format", "xml").code).toBe(2);
    const empty = run("cleanup", "--format", "table");
    expect(empty.code).toBe(2);
    expect(empty.err).toContain("tag: the rule is empty");
  });

  test("cleanup: the rule's flags are written with dashes; its plan as a table, or as a script", () => {
    const table = run("cleanup", "--keep-last", "2", "--untagged=true", "--format", "table");
    expect(table.code).toBe(0);
    expect(table.out.split("\n")[0]).toBe("registry  repository  kind  tag  digest  pushed  pulled  pull_count  exclusive_bytes  shared");
    expect(table.err).toBe(`totals: ${JSON.stringify({ reclaimable_bytes: 0, tags: 0, manifests: 0, kept_tags: 0 })}\n`);
    const script = run("cleanup", "--keep_last", "2", "--registry", "registry.example.com", "--format", "script");
    expect(script.code).toBe(0);
    expect(script.out).toStartWith('#!/bin/sh\n# regstat cleanup plan for "registry.example.com"');
    expect(script.out).toContain('REGISTRY_URL="${REGISTRY_URL:-https://registry.example.com}"');
    expect(run("images", "--format", "script").err).toContain("--format: must be json, csv, table");
  });
});
