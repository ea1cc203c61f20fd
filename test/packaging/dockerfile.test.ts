import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { settings } from "../../src/config.ts";
import { freePort } from "../support/free-port.ts";
import { root, runExecutable, startExecutable } from "./binary.ts";

// No Docker engine here: the image cannot be built, so each stage's instructions are carried out by hand.

type Instruction = { keyword: string; args: string };
type Stage = { from: string; name?: string; steps: Instruction[] };

function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of text.replace(/\\\n/g, " ").split("\n")) {
    const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const [, keyword, args] = match as unknown as [string, string, string];
    if (keyword === "FROM") {
      const [from, , name] = args.split(/\s+/);
      stages.push({ from: from!, name, steps: [] });
    } else stages.at(-1)!.steps.push({ keyword, args });
  }
  return stages;
}

const dockerfile = parseDockerfile(await Bun.file(join(root, "Dockerfile")).text());
const [build, runtime] = dockerfile as [Stage, Stage];
const all = (stage: Stage, keyword: string) => stage.steps.filter((s) => s.keyword === keyword).map((s) => s.args);
const one = (stage: Stage, keyword: string) => {
  const found = all(stage, keyword);
  expect(found).toHaveLength(1);
  return found[0]!;
};

/** .dockerignore as Docker reads it: the last pattern matching a path decides, `!` lets it back in. */
async function ignored(path: string) {
  const patterns = (await Bun.file(join(root, ".dockerignore")).text())
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  let out = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith("!");
    const glob = new Bun.Glob(negated ? pattern.slice(1) : pattern);
    const segments = path.split("/");
    if (segments.some((_, i) => glob.match(segments.slice(0, i + 1).join("/")))) out = !negated;
  }
  return out;
}

const temp: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temp.push(dir);
  return dir;
};
afterAll(() => temp.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

let workdir: string;
let built: string;

beforeAll(() => {
  // The build stage, step by step, in a directory standing for its WORKDIR.
  const context = tempDir("regstat-docker-");
  workdir = one(build, "WORKDIR");
  for (const step of build.steps) {
    if (step.keyword === "COPY") {
      const parts = step.args.split(/\s+/);
      const dest = parts.pop()!;
      for (const source of parts) {
        const target = join(context, posix.relative(workdir, posix.resolve(workdir, dest)), dest.endsWith("/") ? source : "");
        cpSync(join(root, source), target, { recursive: true });
      }
    } else if (step.keyword === "RUN" && step.args.startsWith("bun install")) {
      // Installing needs the network; the repository's node_modules was installed from the same lockfile.
      symlinkSync(join(root, "node_modules"), join(context, "node_modules"));
    } else if (step.keyword === "RUN") {
      const command = step.args.split("&&")[0]!.trim();
      expect(command).toBe("bun run build");
      const ran = Bun.spawnSync(["bun", "run", "build"], {
        cwd: context,
        env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` },
      });
      if (ran.exitCode !== 0) throw new Error(`the build stage failed:\n${ran.stderr.toString()}`);
    }
  }
  built = join(context, "dist/regstat");
});

describe("Dockerfile", () => {
  test("builds with the official Bun image at the Bun version the project pins and tests with", async () => {
    const lock = await Bun.file(join(root, "package-lock.json")).json();
    const pinned = build.from.split(":")[1];
    expect(build.from).toStartWith("oven/bun:");
    expect(pinned).toBe(Bun.version);
    expect(pinned).toBe(lock.packages["node_modules/bun"].version);
    expect(pkg.devDependencies.bun.replace(/^\^/, "")).toBe(pinned!);
    expect(all(build, "RUN").find((r) => r.startsWith("bun install"))).toContain("--frozen-lockfile");
  });

  test("the build stage copies only what .dockerignore lets in, and builds the executable with npm run build's command", async () => {
    const sources = all(build, "COPY").flatMap((args) => args.split(/\s+/).slice(0, -1));
    for (const source of sources) expect({ source, ignored: await ignored(source) }).toEqual({ source, ignored: false });
    for (const left of ["node_modules", "dist", "regstat-data", ".env", "test"]) expect(await ignored(left)).toBe(true);
    expect(existsSync(built)).toBe(true);
    expect(pkg.scripts.build).toEndWith("--outfile dist/regstat");
    const copied = all(runtime, "COPY").find((c) => c.startsWith("--from=build "))!.split(/\s+/);
    expect(copied.slice(1)).toEqual([posix.join(workdir, "dist/regstat"), "/regstat"]);
  });

  test("the image runs the executable as a non-root user, on the data volume, on the exposed port, with a shell-less health check", async () => {
    const env = Object.fromEntries(all(runtime, "ENV").map((e) => e.split("=", 2) as [string, string]));
    const [uid, gid] = one(runtime, "USER").split(":").map(Number) as [number, number];
    const volume = one(runtime, "VOLUME");
    const entrypoint = JSON.parse(one(runtime, "ENTRYPOINT")) as string[];
    const check = JSON.parse(one(runtime, "HEALTHCHECK").replace(/^(--\S+\s+)*CMD\s+/, "")) as string[];
    expect(uid).toBeGreaterThan(0);
    expect(env.REGSTAT_DATA_DIR).toBe(volume);
    expect(one(runtime, "EXPOSE")).toBe(settings.port.default);
    expect(entrypoint).toEqual(["/regstat"]);
    expect(check[0]).toBe(entrypoint[0]);
    expect(all(runtime, "COPY").find((c) => c.endsWith(` ${volume} ${volume}`))).toStartWith(`--from=build --chown=${uid}:${gid} `);

    // The image's filesystem by hand: the executable alone, the volume owned by the image's user, cwd "/".
    const image = tempDir("regstat-image-");
    chmodSync(image, 0o755);
    const bin = join(image, "regstat");
    cpSync(built, bin);
    const data = join(image, "data");
    mkdirSync(data);
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(data, uid, gid);
    // When the test is not root it already runs as a user without privileges.
    const prefix = asRoot ? ["setpriv", `--reuid=${uid}`, `--regid=${gid}`, "--clear-groups"] : [];
    const port = freePort();
    const runEnv = { ...env, REGSTAT_DATA_DIR: data, REGSTAT_PORT: String(port) };

    const running = await startExecutable(bin, { cwd: "/", env: runEnv, port, prefix });
    const healthcheck = runExecutable(bin, check.slice(1), { cwd: "/", env: runEnv, prefix });
    expect(healthcheck).toMatchObject({ exitCode: 0 });
    running.proc.kill("SIGTERM");
    expect(await running.proc.exited).toBe(0);
    expect(statSync(join(data, "PG_VERSION")).uid).toBe(asRoot ? uid : process.getuid!());
  });
});
