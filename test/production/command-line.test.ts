import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { commandDatabase } from "../support/db.ts";
import { freePort } from "../support/free-port.ts";
import { regstatProcess } from "../support/regstat-process.ts";

// The command line and the log as an operator meets them: the version, a setting that needs another, the
// log level, readable lines on a terminal, and Ctrl-C.
const root = join(import.meta.dir, "../..");
const main = join(root, "src/main.ts");

let dbArgs: string[];
let cleanup = async () => {};
beforeAll(async () => {
  const database = await commandDatabase("cli");
  dbArgs = database.args;
  cleanup = database.drop;
});
afterAll(() => cleanup());

const levelsOf = (log: string[]) => log.map((l) => JSON.parse(l).level as string);

describe("the command line", () => {
  test("--version prints the package's version and exits 0", () => {
    const p = Bun.spawnSync([process.execPath, main, "--version"]);
    expect([p.exitCode, p.stdout.toString()]).toEqual([0, `regstat ${pkg.version}\n`]);
  });

  test("--tls-cert without --tls-key is refused before anything starts, naming both", () => {
    const p = Bun.spawnSync([process.execPath, main, "--tls-cert", "/nonexistent/cert.pem", ...dbArgs]);
    expect(p.exitCode).toBe(1);
    expect(p.stderr.toString()).toBe("regstat: invalid settings:\n  - --tls-cert and --tls-key go together\n");
  });
});

describe("the log", () => {
  test("--log-level warn leaves out the info lines; SIGINT stops the server like SIGTERM, exit 0", async () => {
    const regstat = regstatProcess(["--log-level", "warn", ...dbArgs]);
    await regstat.start();
    expect(await regstat.kill("SIGINT")).toBe(0);
    const lines = regstat.log.filter(Boolean);
    expect(lines.map((l) => JSON.parse(l).msg)).toContain(
      "the webhook is open: anyone who reaches it can record events (set --webhook-token)",
    );
    expect([...new Set(levelsOf(lines))]).toEqual(["warn"]);
  });

  test("--log-level debug adds the successful probes; info (the default) has them not", async () => {
    for (const [level, probesLogged] of [
      ["debug", true],
      ["info", false],
    ] as const) {
      const regstat = regstatProcess(["--log-level", level, ...dbArgs]);
      await regstat.start();
      expect((await fetch(`${regstat.url}/healthz`)).status).toBe(200);
      await regstat.stop();
      const lines = regstat.log.filter(Boolean).map((l) => JSON.parse(l));
      const probes = lines.filter((l) => l.msg === "request" && l.path === "/healthz");
      expect({ level, probesLogged: probes.length > 0 }).toEqual({ level, probesLogged });
      expect(lines.map((l) => l.msg)).toContain("stopped");
    }
  });

  test("on a terminal the lines are readable (time, level, message, fields), not JSON", async () => {
    const port = freePort();
    // script(1) gives regstat a pseudo-terminal for stdin, stdout and stderr, as a shell would
    const command = [process.execPath, main, "--host", "127.0.0.1", "--port", String(port), ...dbArgs]
      .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
      .join(" ");
    const proc = Bun.spawn(["script", "-qfec", command, "/dev/null"], { cwd: root, stdout: "pipe", stderr: "pipe", stdin: "pipe" });
    let output = "";
    const decoder = new TextDecoder();
    const deadline = Date.now() + 60_000;
    const reader = proc.stdout.getReader();
    while (!/listening/.test(output) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      output += decoder.decode(value);
    }
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    proc.kill("SIGTERM");
    await proc.exited;
    const lines = output.split(/\r?\n/).filter(Boolean);
    expect(lines.some((l) => l.startsWith("{"))).toBe(false);
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  listening port=${port} host=127\\.0\\.0\\.1$`)),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}the webhook is open: /));
  });
});
