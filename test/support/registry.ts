/**
 * A real Docker Distribution registry (Debian's `docker-registry`) for tests, and images pushed to it with
 * `skopeo`, built offline with `umoci`.
 *
 *   const reg = await startRegistry({ notify: "http://127.0.0.1:3333/events" });
 *   const img = await pushImage(reg, "demo/app:v1");          // { digest, config, layers, blobs }
 *   const idx = await pushIndex(reg, "demo/multi:latest");     // { digest, children: [image, image] }
 *   const base = await buildBase("debian");                    // a layer to share:
 *   await pushImage(reg, "team/a:v1", "a1", { base });        //   both images have base's layer
 *   await pushImage(reg, "team/b:v1", "b1", { base });        //   below a layer of their own
 *   const replica = await startRegistry({ notify, replicaOf: reg }); // a second process on the same storage
 *   await reg.stop();                                          // also removes its storage
 *
 * Every registry gets a free loopback port and a temporary storage directory. `restart()` keeps the
 * storage (and, like a real registry, loses any notifications not yet delivered).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";

export type RegistryOptions = {
  /** the webhook URL the registry notifies; none: no notifications */
  notify?: string;
  /** headers sent with every notification, e.g. { Authorization: "Bearer t" } */
  notifyHeaders?: Record<string, string>;
  /** send `references` with manifest events (default false, the registry's own default) */
  includeReferences?: boolean;
  /** put the registry behind htpasswd basic auth */
  login?: { user: string; password: string };
  /** serve another registry's storage: a replica (its own port, its own process and instance id) */
  replicaOf?: RealRegistry;
};

export type RealRegistry = {
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT, the registry name regstat records */
  host: string;
  root: string;
  /** where its blobs and manifests live */
  storage: string;
  configPath: string;
  login?: { user: string; password: string };
  stop(): Promise<void>;
  restart(): Promise<void>;
  /**
   * `docker-registry garbage-collect`: deletes unreferenced blobs, sending no event. `stopped`: with the
   * registry stopped while it runs, as Distribution asks, then started again (undelivered notifications are lost).
   */
  garbageCollect(options?: { deleteUntagged?: boolean; stopped?: boolean }): Promise<void>;
  /** bytes of the blob data files in the storage (what a garbage collection frees) */
  blobBytes(): Promise<number>;
};

export type PushedImage = { digest: string; config: string; layers: string[]; blobs: string[]; mediaType: string };
export type PushedIndex = { digest: string; children: PushedImage[] };

const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

async function run(cmd: string[], what: string) {
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${what} failed (exit ${code}): ${err.trim() || out.trim()}`);
  return out;
}

export async function startRegistry(options: RegistryOptions = {}): Promise<RealRegistry> {
  const root = mkdtempSync(join(tmpdir(), "regstat-registry-"));
  const port = freePort();
  const host = `127.0.0.1:${port}`;
  const storage = options.replicaOf?.storage ?? join(root, "data");
  const lines = [
    "version: 0.1",
    "log: { level: error, accesslog: { disabled: true } }",
    `storage: { filesystem: { rootdirectory: ${storage} }, delete: { enabled: true } }`,
    `http: { addr: "${host}" }`,
  ];
  if (options.login) {
    const hash = await Bun.password.hash(options.login.password, { algorithm: "bcrypt", cost: 4 });
    writeFileSync(join(root, "htpasswd"), `${options.login.user}:${hash}\n`);
    lines.push(`auth: { htpasswd: { realm: regstat-test, path: ${join(root, "htpasswd")} } }`);
  }
  if (options.notify) {
    const headers = Object.entries(options.notifyHeaders ?? {})
      .map(([k, v]) => `${k}: [${JSON.stringify(v)}]`)
      .join(", ");
    lines.push(
      "notifications:",
      `  events: { includereferences: ${options.includeReferences ?? false} }`,
      "  endpoints:",
      `    - { name: regstat, url: "${options.notify}", timeout: 2s, threshold: 3, backoff: 100ms, headers: { ${headers} } }`,
    );
  }
  const configPath = join(root, "config.yml");
  writeFileSync(configPath, `${lines.join("\n")}\n`);

  let proc: ReturnType<typeof Bun.spawn> | undefined;
  const start = async () => {
    proc = Bun.spawn(["docker-registry", "serve", configPath], { stdout: "ignore", stderr: "pipe" });
    for (let i = 0; i < 200; i++) {
      const status = await fetch(`http://${host}/v2/`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200 || status === 401) return;
      if (proc.exitCode !== null) break;
      await Bun.sleep(25);
    }
    const err = proc.stderr instanceof ReadableStream ? await new Response(proc.stderr).text() : "";
    throw new Error(`docker-registry did not start on ${host}: ${err.slice(0, 500)}`);
  };
  const halt = async () => {
    proc?.kill();
    await proc?.exited;
  };
  await start();

  return {
    url: `http://${host}`,
    host,
    root,
    storage,
    configPath,
    login: options.login,
    async stop() {
      await halt();
      rmSync(root, { recursive: true, force: true });
    },
    async restart() {
      await halt();
      await start();
    },
    async garbageCollect({ deleteUntagged = false, stopped = false } = {}) {
      const args = ["docker-registry", "garbage-collect", ...(deleteUntagged ? ["--delete-untagged"] : []), configPath];
      if (stopped) await halt();
      try {
        await run(args, "docker-registry garbage-collect");
      } finally {
        if (stopped) await start();
      }
    },
    async blobBytes() {
      let bytes = 0;
      for await (const path of new Bun.Glob("docker/registry/v2/blobs/**/data").scan({ cwd: join(root, "data"), onlyFiles: true })) {
        bytes += Bun.file(join(root, "data", path)).size;
      }
      return bytes;
    },
  };
}

export type Layout = { dir: string; tag: string };

/** An image in a fresh OCI layout: one layer holding a file unique to `seed`, for `arch`; on top of `base`'s layers if given. */
async function buildImage(seed: string, arch = "amd64", base?: Layout): Promise<Layout> {
  const dir = mkdtempSync(join(tmpdir(), "regstat-image-"));
  const layout = join(dir, "layout");
  const tag = "image";
  if (base) await run(["cp", "-r", join(base.dir, "layout"), layout], "cp base layout");
  else {
    await run(["umoci", "init", "--layout", layout], "umoci init");
    await run(["umoci", "new", "--image", `${layout}:${tag}`], "umoci new");
  }
  writeFileSync(join(dir, "seed"), `${seed} ${arch} ${crypto.randomUUID()}\n`);
  await run(["umoci", "insert", "--rootless", "--image", `${layout}:${tag}`, join(dir, "seed"), "/seed"], "umoci insert");
  await run(["umoci", "config", "--image", `${layout}:${tag}`, "--architecture", arch, "--os", "linux"], "umoci config");
  return { dir, tag };
}

async function describeImage({ dir, tag }: Layout): Promise<PushedImage & { size: number }> {
  const layout = join(dir, "layout");
  const index = await Bun.file(join(layout, "index.json")).json();
  const entry = index.manifests.find((m: any) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  const manifest = await Bun.file(join(layout, "blobs", ...entry.digest.split(":"))).json();
  const layers = manifest.layers.map((l: any) => l.digest);
  return {
    digest: entry.digest,
    size: entry.size,
    mediaType: entry.mediaType,
    config: manifest.config.digest,
    layers,
    blobs: [manifest.config.digest, ...layers],
  };
}

function skopeoCopy(registry: RealRegistry, from: string, ref: string, all = false, extra: string[] = []) {
  const creds = registry.login ? ["--dest-creds", `${registry.login.user}:${registry.login.password}`] : [];
  return run(
    [
      "skopeo",
      "--insecure-policy",
      "copy",
      "--quiet",
      ...(all ? ["--all"] : []),
      "--dest-tls-verify=false",
      ...creds,
      ...extra,
      from,
      `docker://${registry.host}/${ref}`,
    ],
    `skopeo copy to ${ref}`,
  );
}

/** A one-layer image to build others on (`pushImage`'s base): remove it with `rmSync(base.dir, ...)`. */
export const buildBase = (seed: string) => buildImage(seed);

/** Builds and pushes an OCI image as `repo:tag`: one layer unique to this call, above `base`'s if given. */
export async function pushImage(registry: RealRegistry, ref: string, seed = ref, options: { base?: Layout } = {}): Promise<PushedImage> {
  const layout = await buildImage(seed, "amd64", options.base);
  try {
    await skopeoCopy(registry, `oci:${join(layout.dir, "layout")}:${layout.tag}`, ref);
    const { size: _, ...image } = await describeImage(layout);
    return image;
  } finally {
    rmSync(layout.dir, { recursive: true, force: true });
  }
}

/** Builds and pushes an OCI index of two images (linux/amd64, linux/arm64) as `repo:tag`. */
export async function pushIndex(registry: RealRegistry, ref: string, seed = ref): Promise<PushedIndex> {
  const [amd, arm] = await Promise.all([buildImage(seed, "amd64"), buildImage(seed, "arm64")]);
  try {
    const children = await Promise.all([describeImage(amd), describeImage(arm)]);
    // The arm64 image's blobs join the amd64 layout, then an index over both is written into it by hand.
    const layout = join(amd.dir, "layout");
    await run(["sh", "-c", `cp -n ${join(arm.dir, "layout", "blobs", "sha256")}/* ${join(layout, "blobs", "sha256")}/`], "cp blobs");
    const indexText = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: children.map((c, i) => ({
        mediaType: c.mediaType,
        digest: c.digest,
        size: c.size,
        platform: { os: "linux", architecture: i ? "arm64" : "amd64" },
      })),
    });
    const hex = new Bun.CryptoHasher("sha256").update(indexText).digest("hex");
    writeFileSync(join(layout, "blobs", "sha256", hex), indexText);
    const top = await Bun.file(join(layout, "index.json")).json();
    top.manifests.push({
      mediaType: OCI_INDEX,
      digest: `sha256:${hex}`,
      size: indexText.length,
      annotations: { "org.opencontainers.image.ref.name": "multi" },
    });
    writeFileSync(join(layout, "index.json"), JSON.stringify(top));
    await skopeoCopy(registry, `oci:${layout}:multi`, ref, true);
    return { digest: `sha256:${hex}`, children: children.map(({ size: _, ...c }) => c) };
  } finally {
    rmSync(amd.dir, { recursive: true, force: true });
    rmSync(arm.dir, { recursive: true, force: true });
  }
}

/** Copies `from` (repo:tag in the registry) to `to`: another tag, or another repository (its blobs mounted). */
export function copyImage(registry: RealRegistry, from: string, to: string) {
  const creds = registry.login ? ["--src-creds", `${registry.login.user}:${registry.login.password}`] : [];
  return skopeoCopy(registry, `docker://${registry.host}/${from}`, to, true, ["--src-tls-verify=false", ...creds]);
}

/** Whether `ref` (repo:tag or repo@digest) still pulls whole: every platform's manifest, config and layers. */
export async function pulls(registry: RealRegistry, ref: string): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), "regstat-pull-"));
  const creds = registry.login ? ["--src-creds", `${registry.login.user}:${registry.login.password}`] : [];
  try {
    const proc = Bun.spawn(
      [
        "skopeo",
        "--insecure-policy",
        "copy",
        "--quiet",
        "--all",
        "--src-tls-verify=false",
        ...creds,
        `docker://${registry.host}/${ref}`,
        `oci:${join(dir, "layout")}:pulled`,
      ],
      { stdout: "ignore", stderr: "ignore" },
    );
    return (await proc.exited) === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Deletes a manifest through the registry API, as `regctl`/`skopeo delete` would. */
export async function deleteManifest(registry: RealRegistry, repository: string, digest: string) {
  const headers: Record<string, string> = registry.login
    ? { authorization: `Basic ${btoa(`${registry.login.user}:${registry.login.password}`)}` }
    : {};
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/${digest}`, { method: "DELETE", headers });
  if (response.status !== 202) throw new Error(`deleting ${repository}@${digest} answered ${response.status}`);
}
