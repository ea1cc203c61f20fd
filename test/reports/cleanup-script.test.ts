import { afterAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanupScript } from "../../src/reports/cleanup-script.ts";

// The script as a shell runs it, against an in-process registry that fails on demand.
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const totals = { reclaimable_bytes: 1234, tags: 2, manifests: 2, kept_tags: 5 };
const steps = [
  { kind: "tag", registry: "r.example.com", repository: "team/app", tag: "rc", digest: digest("a") },
  { kind: "image", registry: "r.example.com", repository: "team/app", tag: null, digest: digest("b") },
  { kind: "untagged", registry: "r.example.com", repository: "team/app", tag: null, digest: digest("c") },
];
const script = (over: Partial<Parameters<typeof cleanupScript>[0]> = {}) =>
  cleanupScript({
    registry: "r.example.com",
    registryVersion: 3,
    rule: { keep_last: "3" },
    totals,
    steps,
    now: new Date("2026-02-01T10:00:00Z"),
    ...over,
  });

const files: string[] = [];
afterAll(() => {
  for (const f of files) rmSync(f, { force: true });
});

/** Runs a script; not spawnSync, which would keep the in-process registry from answering. */
async function runScript(text: string, env: Record<string, string>) {
  const path = join(tmpdir(), `regstat-script-${process.pid}-${files.length}.sh`);
  files.push(path);
  writeFileSync(path, text);
  const p = Bun.spawn(["sh", path], { env: { PATH: process.env.PATH!, ...env }, stdout: "ignore", stderr: "pipe" });
  const [code, err] = await Promise.all([p.exited, new Response(p.stderr).text()]);
  return { code, err };
}

describe("the cleanup script", () => {
  test("its header states the rule, the totals and the time", () => {
    const text = script();
    expect(text.split("\n").slice(0, 6)).toEqual([
      "#!/bin/sh",
      '# regstat cleanup plan for "r.example.com", made 2026-02-01T10:00:00.000Z',
      '# rule: "keep_last=3"',
      "# deletes 2 tags and 2 manifests, keeps 5 tags;",
      "# a garbage collection then gets back 1234 bytes",
      "# for Distribution 3.x: 3 DELETE calls, tags deleted alone first, indexes before their platforms",
    ]);
  });

  test("applies each call in order with the credentials given, stops at the first failure and says so", async () => {
    const seen: string[] = [];
    let fail = "";
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch(req) {
        const path = new URL(req.url).pathname;
        seen.push(`${req.method} ${path} ${req.headers.get("authorization") ?? "-"}`);
        return new Response(null, { status: path.endsWith(fail) && fail ? 500 : 202 });
      },
    });
    try {
      const env = { REGISTRY_URL: `http://127.0.0.1:${server.port}`, REGISTRY_AUTH: "ops:s3cret" };
      const ok = await runScript(script(), env);
      expect(ok).toEqual({
        code: 0,
        err: "regstat cleanup: all 3 calls applied; run the registry's garbage collection to free the bytes\n",
      });
      const auth = `Basic ${btoa("ops:s3cret")}`;
      expect(seen).toEqual([
        `DELETE /v2/team/app/manifests/rc ${auth}`,
        `DELETE /v2/team/app/manifests/${digest("b")} ${auth}`,
        `DELETE /v2/team/app/manifests/${digest("c")} ${auth}`,
      ]);
      seen.length = 0;
      fail = digest("b");
      const failed = await runScript(script(), env);
      expect(failed.code).toBe(1);
      expect(failed.err).toBe(`regstat cleanup: DELETE team/app@${digest("b")} failed (500); stopped after 1 of 3 calls\n`);
      expect(seen).toHaveLength(2);
    } finally {
      server.stop(true);
    }
    // nobody answering is a failure too
    const away = await runScript(script(), { REGISTRY_URL: "http://127.0.0.1:1" });
    expect(away.code).toBe(1);
    expect(away.err).toContain("regstat cleanup: DELETE team/app:rc failed (no answer); stopped after 0 of 3 calls");
  });

  test("for Distribution 2.x a tag deleted alone is listed, not called", () => {
    const text = script({ registryVersion: 2 });
    expect(text).toContain('# kept: Distribution 2.x cannot delete a tag alone, and its manifest stays for other tags: "team/app:rc"');
    expect(text).not.toContain("manifests/rc");
  });

  test("names from events are never code: one the registry API would not take is skipped, in a comment", async () => {
    const evil = [
      { kind: "image", registry: "r.example.com", repository: "team/app'; rm -rf / #", tag: null, digest: digest("d") },
      { kind: "tag", registry: "r.example.com", repository: "team/app", tag: "x\nrm -rf /", digest: digest("d") },
    ];
    const text = script({ steps: evil, rule: { tag: "a\nrm -rf /" } });
    expect(text).not.toMatch(/^rm /m);
    expect(text).toContain(`# skipped, not a name the registry API takes: ${JSON.stringify(`team/app'; rm -rf / #@${digest("d")}`)}`);
    expect(text).toContain('# rule: "tag=a\\nrm -rf /"');
    expect(await runScript(text, { REGISTRY_URL: "http://127.0.0.1:1" })).toMatchObject({ code: 0 });
    expect(() => script({ registry: "r.example.com/$(id)" })).toThrow("not a registry host name");
  });
});
