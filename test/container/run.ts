/**
 * npm run test:container: the Dockerfile built for real, unchanged, by podman on local stand-ins for its base
 * images (stand-ins.ts), and the image run by the README's own `docker` command lines (`docker` is podman here,
 * podman.ts). One line per check, then `container: N passed, M failed`; exits 1 unless every check passed.
 * Runs as root (podman, debootstrap); reaches only the Debian mirror (debootstrap) and npm (`bun install`).
 */
import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { openPostgres } from "../../src/db/postgres.ts";
import { allFixtures } from "../support/fixtures.ts";
import { freePort } from "../support/free-port.ts";
import { type Cluster, keywordForm, startCluster } from "../support/postgres-cluster.ts";
import { REPORT, replayOver, sourceReplay, stateOf } from "../support/replay.ts";
import { type Check, ensure, runChecks, same, seconds } from "./checks.ts";
import { isolatedPodman } from "./podman.ts";
import { onPort, readmeCommands } from "./readme.ts";
import { baseImages, debianRoot, makeStandIns } from "./stand-ins.ts";

const root = join(import.meta.dir, "../..");
const IMAGE = "regstat";
const CONTAINER = "regstat";
const UID = 65532;
// The token the registry that produced the captures sent (../shared/fixtures/README.md).
const WEBHOOK_TOKEN = "s3cret";
const REPORTS_TOKEN = "reports-token-for-the-container-test";
const tokens = { REGSTAT_WEBHOOK_TOKEN: WEBHOOK_TOKEN, REGSTAT_REPORTS_TOKEN: REPORTS_TOKEN };

const began = performance.now();
/** What the checks need from the repository: read before anything is made, so a failure leaves nothing behind. */
async function inputs() {
  const commands = await readmeCommands(root);
  const captured = await allFixtures();
  return {
    bases: baseImages(await Bun.file(join(root, "Dockerfile")).text()),
    commands,
    volume: /-v (\S+):\/data/.exec(commands.runEmbedded)?.[1],
    captured,
    source: await sourceReplay(captured),
  };
}
const { bases, commands, volume, captured, source } = await inputs().catch((error: Error) => {
  console.log(`container: 0 passed, 1 failed (${error.message})`);
  process.exit(1);
});

const work = mkdtempSync(join(tmpdir(), "regstat-container-"));
const podman = isolatedPodman(work);
let cluster: Cluster | undefined;
let cleaned = false;
const cleanUp = async () => {
  if (cleaned) return;
  cleaned = true;
  podman.destroy();
  await cluster?.destroy();
};
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void cleanUp().then(() => process.exit(1)));

let debian = "";
let url = "";
let executableMb = "";

const inspect = (format: string, what = CONTAINER) => podman.run(["inspect", "--format", format, what]);
/** What the container wrote, stdout and stderr (regstat logs to stderr). */
function logs() {
  const { stdout, stderr } = podman.attempt(["logs", CONTAINER]);
  return `${stdout}${stderr}`;
}
const logLines = () =>
  logs()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { msg: string; created?: string });

/** A README command line, on a free port of 127.0.0.1 when it publishes or listens on one. */
function runReadme(command: string, env: Record<string, string> = {}) {
  let line = command;
  if (command.startsWith("docker run ")) {
    const port = freePort();
    line = onPort(command, port);
    url = `http://127.0.0.1:${port}`;
  }
  console.log(`      $ ${line}`);
  return podman.shell(line, env, { cwd: root });
}

async function waitReady() {
  const deadline = performance.now() + 180_000;
  while (performance.now() < deadline) {
    if (inspect("{{.State.Running}}") !== "true") throw new Error(`the container exited:\n${logs()}`);
    if (
      await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await Bun.sleep(200);
  }
  throw new Error(`not ready within 180 s:\n${logs()}`);
}

const withToken = { authorization: `Bearer ${REPORTS_TOKEN}` };

async function reportsGet(path: string, headers: Record<string, string> = withToken) {
  const response = await fetch(`${url}${path}`, { headers });
  return { status: response.status, body: response.ok ? await response.json() : undefined };
}

async function postCaptured() {
  same(
    await replayOver(url, captured),
    captured.map(() => 200),
    "answers to the captured notifications",
  );
  same(await reportsGet(REPORT), { status: 200, body: source.report }, `${REPORT} after the replay`);
}

function healthcheckPasses() {
  const check = podman.attempt(["healthcheck", "run", CONTAINER]);
  ensure(check.exitCode === 0, `podman healthcheck run exited ${check.exitCode}: ${check.stdout}${check.stderr}`);
}

function stopsWithZero() {
  runReadme(commands.stop);
  same(inspect("{{.State.ExitCode}}"), "0", "the exit code after docker stop (137 if it had to be killed)");
  ensure(
    logLines().some((l) => l.msg === "stopped"),
    'no "stopped" in the log',
  );
}

const checks: Check[] = [
  {
    name: "a Debian 12 root by debootstrap --variant=minbase, for the stand-ins",
    needed: true,
    run() {
      debian = debianRoot(work);
    },
  },
  {
    name: `stand-ins under the Dockerfile's FROM names: ${bases.join(", ")}`,
    needed: true,
    run() {
      ensure(bases.length === 2, `expected a build and a runtime stage, found FROM ${bases.join(", ")}`);
      makeStandIns(podman, bases, debian);
    },
  },
  {
    name: "the README's docker build builds the Dockerfile unchanged, pulling nothing",
    needed: true,
    run() {
      ensure(commands.build.includes(`-t ${IMAGE} `), `expected "-t ${IMAGE}" in ${commands.build}`);
      runReadme(commands.build);
    },
  },
  {
    name: "bun install --frozen-lockfile: a package.json package-lock.json does not match fails the build",
    run() {
      const context = join(work, "lockfile-context");
      const admitted = readFileSync(join(root, ".dockerignore"), "utf8")
        .split("\n")
        .filter((l) => l.startsWith("!"));
      for (const path of ["Dockerfile", ".dockerignore", ...admitted.map((l) => l.slice(1).trim())]) {
        cpSync(join(root, path), join(context, path), { recursive: true });
      }
      const pkg = JSON.parse(readFileSync(join(context, "package.json"), "utf8"));
      const [dropped] = Object.keys(pkg.dependencies);
      delete pkg.dependencies[dropped!];
      writeFileSync(join(context, "package.json"), JSON.stringify(pkg, null, 2));
      const built = podman.attempt(["build", "--pull=never", "--format", "docker", "--target", "build", context]);
      ensure(built.exitCode !== 0, `the build passed without ${dropped} in package.json`);
      ensure(`${built.stdout}${built.stderr}`.includes("lockfile is frozen"), `failed for another reason:\n${built.stderr}`);
    },
  },
  {
    name: `the image runs /regstat as ${UID}:${UID} with a HEALTHCHECK; no shell, no other program in it`,
    run() {
      const mounted = podman.run(["image", "mount", IMAGE]);
      try {
        const bin = statSync(join(mounted, "regstat"));
        executableMb = (bin.size / 1e6).toFixed(1);
        ensure(bin.uid === 0 && (bin.mode & 0o022) === 0, "/regstat is writable by others than root");
        const programs = executables(mounted).filter((path) => !/\/lib(64)?\/|\.so(\.|$)/.test(path));
        same(programs, ["/regstat"], "the executable files besides libraries");
      } finally {
        podman.run(["image", "unmount", IMAGE]);
      }
      const [image] = JSON.parse(podman.run(["image", "inspect", IMAGE]));
      same(image.Config.User, `${UID}:${UID}`, "USER");
      same(image.Config.Entrypoint, ["/regstat"], "ENTRYPOINT");
      same(image.Healthcheck?.Test, ["CMD", "/regstat", "healthcheck"], "HEALTHCHECK");
    },
  },
  {
    name: "the README's docker run, with a named volume on /data, answers on the published port",
    needed: true,
    async run() {
      ensure(volume, `no named volume on /data in ${commands.runEmbedded}`);
      runReadme(commands.runEmbedded, tokens);
      await waitReady();
    },
  },
  {
    name: `it runs as uid ${UID}, the fresh named volume is its own, and there is no shell to exec`,
    run() {
      const status = readFileSync(`/proc/${inspect("{{.State.Pid}}")}/status`, "utf8");
      for (const id of ["Uid", "Gid"])
        same(new RegExp(`^${id}:\\s+(.*)$`, "m").exec(status)?.[1]?.split(/\s+/), Array(4).fill(String(UID)), id);
      const mountpoint = podman.run(["volume", "inspect", "--format", "{{.Mountpoint}}", volume!]);
      same(statSync(mountpoint).uid, UID, "the volume's owner");
      ensure(existsSync(join(mountpoint, "PG_VERSION")), "the embedded database is not in the volume");
      const shell = podman.attempt(["exec", CONTAINER, "sh", "-c", "true"]);
      ensure(shell.exitCode !== 0, "sh ran in the container");
    },
  },
  {
    name: `a host directory at /data that uid ${UID} cannot write: it exits 1 and says so`,
    run() {
      const hostDir = mkdtempSync(join(work, "not-chowned-"));
      const ran = podman.attempt(["run", "--rm", "-v", `${hostDir}:/data`, IMAGE]);
      same(ran.exitCode, 1, "the exit code");
      const said = `--data-dir /data: not a directory uid ${UID} can write (EACCES)`;
      ensure(`${ran.stdout}${ran.stderr}`.includes(said), `expected "${said}" in:\n${ran.stdout}${ran.stderr}`);
    },
  },
  {
    name: "the HEALTHCHECK command passes, and the README's docker inspect then says healthy",
    run() {
      // Docker runs the check on its interval; podman would need systemd timers for that, so it is run once here.
      healthcheckPasses();
      same(runReadme(commands.health), "healthy", "the health status");
    },
  },
  {
    name: `the captured notifications POSTed to it are stored: each answered 200, ${REPORT} as the source's`,
    run: postCaptured,
  },
  {
    name: "/reports answers with the reports token, 401 without",
    async run() {
      const listed = await reportsGet("/reports");
      same(listed.status, 200, "GET /reports");
      ensure(JSON.stringify(listed.body).includes("images"), `/reports does not list images: ${JSON.stringify(listed.body)}`);
      same((await reportsGet("/reports", {})).status, 401, "GET /reports without a token");
    },
  },
  {
    name: "the README's docker stop (SIGTERM, then SIGKILL after 10 s) ends it with exit code 0",
    run: stopsWithZero,
  },
  {
    name: "a new container on the same volume keeps the data: nothing to migrate, the same report",
    async run() {
      // the first container made its database (from the executable's template, or by initdb and migrations)
      const created = () => logLines().find((l) => l.msg === "database")?.created;
      ensure(["template", "initdb"].includes(created() ?? ""), `the first container did not create its database (${created()})`);
      podman.run(["rm", "--force", CONTAINER]);
      runReadme(commands.runEmbedded, tokens);
      await waitReady();
      same(await reportsGet(REPORT), { status: 200, body: source.report }, `${REPORT} after the restart`);
      same(created(), "existing", "the second container's database");
      ensure(!logLines().some((l) => l.msg === "migrated"), "it migrated again");
      stopsWithZero();
    },
  },
  {
    name: "the PostgreSQL form (REGSTAT_PG_CONN_STR to a cluster on the host) stores the notifications there",
    needed: true,
    async run() {
      podman.run(["rm", "--force", "--ignore", CONTAINER]);
      cluster = await startCluster({ password: true });
      await cluster.createDatabase("regstat");
      runReadme(commands.runPostgres, { ...tokens, REGSTAT_PG_CONN_STR: keywordForm(cluster.urlFor("regstat")) });
      await waitReady();
      await postCaptured();
      const db = openPostgres(cluster.urlFor("regstat"), { max: 1 });
      try {
        same(await stateOf(db), source.state, "the tables after the replay");
      } finally {
        await db.close();
      }
    },
  },
  {
    name: "on PostgreSQL: healthy, exit code 0 on docker stop, the password never in its log",
    run() {
      healthcheckPasses();
      stopsWithZero();
      ensure(
        logLines().some((l) => l.msg === "listening"),
        "no log to look in",
      );
      ensure(!logs().includes(cluster!.password!), "the log holds the password");
    },
  },
];

let result: Awaited<ReturnType<typeof runChecks>> | undefined;
let figures = "";
try {
  result = await runChecks(checks);
  if (podman.attempt(["image", "exists", IMAGE]).exitCode === 0) {
    const mb = (image: string) => (Number(podman.run(["image", "inspect", "--format", "{{.Size}}", image])) / 1e6).toFixed(1);
    figures = `image ${IMAGE}: ${mb(IMAGE)} MB (the runtime stand-in ${mb(bases.at(-1)!)} MB, /regstat ${executableMb} MB)`;
  }
} finally {
  await cleanUp();
}
if (figures) console.log(figures);
console.log(
  `took ${seconds(began)}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
console.log(result?.summary("container") ?? "container: 0 passed, 1 failed (the checks did not run)");
process.exit(result?.ok ? 0 : 1);

/** Regular files with an execute bit, as absolute paths inside the image. */
function executables(top: string, dir = top): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const stat = lstatSync(path);
    if (stat.isDirectory()) return executables(top, path);
    return stat.isFile() && stat.mode & 0o111 ? [path.slice(top.length)] : [];
  });
}
