import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Debian's podman, run as root, on storage of its own inside `dir`: images, containers, volumes and podman's
 * runtime state all live there and go with it, so nothing of the machine's (or of a concurrent run's) is touched.
 * Containers get slirp4netns unless a command asks for `--net=host`: the default bridge would add a CNI network
 * and iptables rules, which are machine-wide.
 */
export type Podman = {
  /** the environment every podman call runs with: the configuration files, and `docker` on PATH */
  env: Record<string, string>;
  /** podman with these arguments; throws with podman's stderr unless it exits 0 */
  run(args: string[], options?: { cwd?: string }): string;
  /** the same, with the exit code instead of an error */
  attempt(args: string[], options?: { cwd?: string }): { exitCode: number; stdout: string; stderr: string };
  /** a command line as a user types it (`docker run ...`), in bash, with `docker` being this podman */
  shell(command: string, env?: Record<string, string>, options?: { cwd?: string }): string;
  /** removes every container, volume, image and mount, then the directory */
  destroy(): void;
};

export function isolatedPodman(dir: string): Podman {
  const at = (name: string) => join(dir, name);
  for (const name of ["storage", "run", "tmp", "bin"]) mkdirSync(at(name), { recursive: true });
  writeFileSync(at("storage.conf"), `[storage]\ndriver = "overlay"\ngraphroot = "${at("storage")}"\nrunroot = "${at("run")}"\n`);
  // crun refuses this machine's hybrid cgroups, so runc. podman's default ulimits are above what the machine
  // grants (runc then fails to start anything), so the test's own hard limits, and runc is refused a process
  // limit above kernel.pid_max here.
  const pidMax = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8"));
  const nofile = hardLimit("Max open files");
  const nproc = Math.min(hardLimit("Max processes"), pidMax);
  const ulimits = [`"nofile=${nofile}:${nofile}"`, `"nproc=${nproc}:${nproc}"`];
  writeFileSync(
    at("containers.conf"),
    [
      "[containers]",
      'netns = "slirp4netns"',
      `default_ulimits = [${ulimits.join(", ")}]`,
      "[engine]",
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `tmp_dir = "${at("tmp")}"`,
      "",
    ].join("\n"),
  );
  // As Debian's podman-docker does. A build never pulls (the bases are the stand-ins) and is written in Docker's
  // format: OCI images have no HEALTHCHECK, and podman would drop it.
  writeFileSync(
    at("bin/docker"),
    '#!/bin/sh\nif [ "$1" = build ]; then shift; exec podman build --pull=never --format docker "$@"; fi\nexec podman "$@"\n',
  );
  chmodSync(at("bin/docker"), 0o755);

  const env = {
    PATH: `${at("bin")}:${process.env.PATH}`,
    CONTAINERS_CONF: at("containers.conf"),
    CONTAINERS_STORAGE_CONF: at("storage.conf"),
  };
  const exec = (argv: string[], options: { cwd?: string; env?: Record<string, string> } = {}) => {
    const done = Bun.spawnSync(argv, {
      cwd: options.cwd,
      env: { ...process.env, ...env, ...options.env },
      stdout: "pipe",
      stderr: "pipe",
    });
    return { exitCode: done.exitCode, stdout: done.stdout.toString(), stderr: done.stderr.toString() };
  };
  const must = (argv: string[], options: { cwd?: string; env?: Record<string, string> } = {}) => {
    const done = exec(argv, options);
    if (done.exitCode !== 0) throw new Error(`${argv.join(" ")} exited ${done.exitCode}:\n${tail(done.stderr || done.stdout)}`);
    return done.stdout.trim();
  };
  const attempt = (args: string[], options: { cwd?: string } = {}) => exec(["podman", ...args], options);

  return {
    env,
    run: (args, options) => must(["podman", ...args], options),
    attempt,
    shell: (command, extra = {}, options = {}) => must(["bash", "-c", command], { ...options, env: extra }),
    destroy() {
      attempt(["rm", "--all", "--force", "--time", "0"]);
      attempt(["image", "unmount", "--all", "--force"]);
      attempt(["volume", "rm", "--all", "--force"]);
      attempt(["rmi", "--all", "--force"]);
      // The overlay driver bind-mounts its own directory; whatever is still mounted below `dir` goes first.
      for (const mount of mountsBelow(dir).reverse()) Bun.spawnSync(["umount", "--lazy", mount]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** This process's hard limit from /proc (`Max open files`, `Max processes`), which containers inherit. */
function hardLimit(label: string) {
  const line = readFileSync("/proc/self/limits", "utf8")
    .split("\n")
    .find((l) => l.startsWith(label));
  const hard = line?.slice(label.length).trim().split(/\s+/)[1];
  if (!hard) throw new Error(`no "${label}" in /proc/self/limits`);
  return hard === "unlimited" ? 1048576 : Number(hard);
}

function mountsBelow(dir: string) {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((point): point is string => !!point && point.startsWith(`${dir}/`));
}

const tail = (text: string) => text.trim().split("\n").slice(-15).join("\n");
