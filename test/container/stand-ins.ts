import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import type { Podman } from "./podman.ts";

/*
 * No registry but npm's and Debian's is reachable here, so the Dockerfile's base images cannot be pulled. Each is
 * replaced by a local image under the very name its FROM line uses, made from a Debian 12 root file system
 * (`debootstrap --variant=minbase`, the release both real images are built on):
 *
 * oven/bun:<version> (the build stage). Real: debian:bookworm-slim with Bun at /usr/local/bin/bun, a `bun` user,
 *   WORKDIR /home/bun/app and an entrypoint script. Stand-in: the minbase root (about what bookworm-slim holds)
 *   with the `bun` executable npm installed for this repository, which must be the tag's version; no `bun` user,
 *   no entrypoint script (the Dockerfile uses neither). It also carries this machine's CA bundle and
 *   NODE_EXTRA_CA_CERTS pointing at it, as the host has: here npm is reached through a TLS-inspecting egress
 *   proxy, and `bun install` would refuse its certificate. Elsewhere the bundle is just Debian's.
 *
 * gcr.io/distroless/cc-debian12:nonroot (the runtime). Real: Debian 12's libc6, libgcc-s1, libgomp1,
 *   libstdc++6, libssl3, ca-certificates, tzdata, netbase and base-files' os-release, users root, nobody and
 *   nonroot (65532), USER 65532 and WORKDIR /home/nonroot; no shell, no package manager. Stand-in: the same from
 *   the minbase root's own files, without libgomp1, libssl3 and netbase (not in minbase; the executable needs
 *   none of them: Bun links only glibc and carries its own TLS).
 */

export const MIRROR = "http://deb.debian.org/debian";
const SUITE = "bookworm";
const RUNTIME_PACKAGES = ["libc6", "libgcc-s1", "libstdc++6", "tzdata"];
const PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The FROM images of a Dockerfile, in order, as Docker names them (`oven/bun:1` is `docker.io/oven/bun:1`). */
export function baseImages(dockerfile: string): string[] {
  return [...dockerfile.matchAll(/^FROM\s+(\S+)/gim)].map((m) => qualified(m[1]!));
}

function qualified(image: string) {
  const first = image.split("/")[0]!;
  const hasRegistry = image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  return hasRegistry ? image : `docker.io/${image.includes("/") ? image : `library/${image}`}`;
}

/** debootstrap's minbase Debian 12 root, made once per run in `dir` and shared by both stand-ins. */
export function debianRoot(dir: string) {
  const root = join(dir, "bun-context/rootfs");
  mkdirSync(dirname(root), { recursive: true });
  const done = Bun.spawnSync(["debootstrap", "--variant=minbase", "--include=ca-certificates", SUITE, root, MIRROR], {
    stdout: "pipe",
    stderr: "pipe",
  });
  if (done.exitCode !== 0) throw new Error(`debootstrap failed:\n${done.stdout.toString().slice(-2000)}${done.stderr}`);
  return root;
}

/** Builds the stand-in for each FROM image; fails on an image it has no stand-in for. */
export function makeStandIns(podman: Podman, images: string[], root: string) {
  for (const image of images) {
    const bun = /^docker\.io\/oven\/bun:(.+)$/.exec(image);
    if (bun) bunStandIn(podman, image, bun[1]!, root);
    else if (image === "gcr.io/distroless/cc-debian12:nonroot") distrolessStandIn(podman, image, root);
    else throw new Error(`no stand-in for the base image ${image}`);
  }
}

function bunStandIn(podman: Podman, image: string, version: string, root: string) {
  if (Bun.version !== version) {
    throw new Error(`the Dockerfile builds with Bun ${version}, but npm installed Bun ${Bun.version} (package-lock.json)`);
  }
  const context = dirname(root);
  copyFileSync(process.execPath, join(context, "bun"));
  chmodSync(join(context, "bun"), 0o755);
  copyFileSync(process.env.NODE_EXTRA_CA_CERTS || "/etc/ssl/certs/ca-certificates.crt", join(context, "machine-ca.crt"));
  const containerfile = [
    "FROM scratch",
    "COPY rootfs/ /",
    "COPY bun /usr/local/bin/bun",
    "COPY machine-ca.crt /etc/ssl/certs/ca-certificates.crt",
    "RUN ln -s bun /usr/local/bin/bunx",
    `ENV ${PATH_ENV} NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt`,
    'CMD ["/usr/local/bin/bun"]',
  ];
  build(podman, image, context, containerfile);
}

function distrolessStandIn(podman: Podman, image: string, debian: string) {
  const context = join(dirname(dirname(debian)), "distroless-context");
  const root = join(context, "root");
  mkdirSync(root, { recursive: true });
  // Debian 12 is merged-/usr: /lib, /bin, ... are links into /usr, and packages list their files under either.
  for (const entry of readdirSync(debian)) {
    const path = join(debian, entry);
    if (!lstatSync(path).isSymbolicLink()) continue;
    const target = readlinkSync(path);
    mkdirSync(join(root, target), { recursive: true });
    symlinkSync(target, join(root, entry));
  }
  for (const path of RUNTIME_PACKAGES.flatMap((name) => packageFiles(debian, name))) copyInto(debian, root, path);
  for (const path of ["/etc/ssl/certs/ca-certificates.crt", "/etc/os-release", "/etc/nsswitch.conf"]) {
    mkdirSync(join(root, dirname(path)), { recursive: true });
    writeFileSync(join(root, path), readFileSync(join(debian, path)));
  }
  writeFileSync(
    join(root, "etc/passwd"),
    "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n" +
      "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
  );
  writeFileSync(join(root, "etc/group"), "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n");
  mkdirSync(join(root, "tmp"));
  chmodSync(join(root, "tmp"), 0o1777);
  mkdirSync(join(root, "root"), { mode: 0o700 });
  mkdirSync(join(context, "home/nonroot"), { recursive: true, mode: 0o700 });
  const containerfile = [
    "FROM scratch",
    "COPY root/ /",
    "COPY --chown=65532:65532 home/ /home/",
    `ENV ${PATH_ENV} SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt`,
    "USER 65532",
    "WORKDIR /home/nonroot",
  ];
  build(podman, image, context, containerfile);
}

/** The files (not directories) a package installed, from dpkg's own list in the root. */
function packageFiles(root: string, name: string) {
  const info = join(root, "var/lib/dpkg/info");
  const list = readdirSync(info).find((f) => f === `${name}.list` || (f.startsWith(`${name}:`) && f.endsWith(".list")));
  if (!list) throw new Error(`${name} is not installed in the Debian root`);
  return readFileSync(join(info, list), "utf8")
    .split("\n")
    .filter((path) => path && existsSync(join(root, path)) && !lstatSync(join(root, path)).isDirectory());
}

function copyInto(from: string, to: string, path: string) {
  const source = join(from, path);
  const target = join(to, path);
  mkdirSync(dirname(target), { recursive: true });
  if (lstatSync(target, { throwIfNoEntry: false })) return;
  if (lstatSync(source).isSymbolicLink()) symlinkSync(readlinkSync(source), target);
  else {
    copyFileSync(source, target);
    chmodSync(target, lstatSync(source).mode & 0o7777);
  }
}

function build(podman: Podman, image: string, context: string, containerfile: string[]) {
  writeFileSync(join(context, "Containerfile"), `${containerfile.join("\n")}\n`);
  podman.run(["build", "--pull=never", "--format", "docker", "--tag", image, context]);
}
