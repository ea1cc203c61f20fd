import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "./binary.ts";

const unitPath = join(root, "deploy/regstat.service");
const unit = await Bun.file(unitPath).text();
const dir = mkdtempSync(join(tmpdir(), "regstat-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The unit as installed, with ExecStart pointing at a real executable (verify checks that it exists). */
function installedCopy() {
  const executable = join(dir, "regstat");
  writeFileSync(executable, "#!/bin/sh\n", { mode: 0o755 });
  const path = join(dir, "regstat.service");
  writeFileSync(path, unit.replace(/^ExecStart=\/usr\/local\/bin\/regstat$/m, `ExecStart=${executable}`));
  return path;
}

const directives = (text: string) =>
  Object.fromEntries(
    text
      .split("\n")
      .filter((line) => /^[A-Za-z]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );

test("regstat systemd-unit prints the repository's unit file", () => {
  const printed = Bun.spawnSync([process.execPath, join(root, "src/main.ts"), "systemd-unit"], {
    env: {} as Record<string, string>,
    cwd: dir,
  });
  expect(printed.exitCode).toBe(0);
  expect(printed.stdout.toString()).toBe(unit);
});

test("systemd-analyze verify accepts the unit without a single warning", () => {
  const path = installedCopy();
  expect(path).not.toBe(unitPath);
  const verified = Bun.spawnSync(["systemd-analyze", "verify", path]);
  expect({ exitCode: verified.exitCode, warnings: verified.stderr.toString() + verified.stdout.toString() }).toEqual({
    exitCode: 0,
    warnings: "",
  });
});

test("the unit runs the installed executable with a state directory, settings from a file, hardening and restarts", () => {
  const d = directives(unit);
  expect(d).toMatchObject({
    ExecStart: "/usr/local/bin/regstat",
    EnvironmentFile: "-/etc/regstat/regstat.env",
    Restart: "on-failure",
    DynamicUser: "yes",
    StateDirectory: "regstat",
    ProtectSystem: "strict",
    NoNewPrivileges: "yes",
    CapabilityBoundingSet: "",
    RestrictAddressFamilies: "AF_INET AF_INET6 AF_UNIX",
    MemoryMax: "2G",
    TasksMax: "256",
    IPAddressDeny: "link-local multicast",
  });
  // Bun's JIT maps writable+executable memory (measured: denied, a fresh embedded database takes 3x as long).
  expect(d.MemoryDenyWriteExecute).toBeUndefined();
});

test("systemd's own exposure score stays in its best band (at most 2.0 of 10)", () => {
  const scored = Bun.spawnSync(["systemd-analyze", "security", "--offline=yes", "--no-pager", installedCopy()]);
  const overall = /Overall exposure level for regstat\.service: ([\d.]+)/.exec(scored.stdout.toString());
  expect(overall).not.toBeNull();
  expect(Number(overall![1])).toBeLessThanOrEqual(2.0);
});
