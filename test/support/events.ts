/**
 * Factories for notification events shaped exactly like the captured ones in ../shared/fixtures
 * (Distribution 2.8.2): fresh ids, realistic targets, everything overridable.
 */
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
const BLOB = "application/octet-stream";

export const HOST = "registry.test:5000";
let clock = Date.parse("2026-01-01T00:00:00Z");

export const digestOf = (seed: string) => `sha256:${new Bun.CryptoHasher("sha256").update(seed).digest("hex")}`;
export const at = (iso: string) => iso;
const tick = () => new Date((clock += 1000)).toISOString();

type Ref = { mediaType: string; size: number; digest: string };
type Common = { id?: string; timestamp?: string; repository: string; host?: string; method?: string; actor?: string };

function event(action: string, target: Record<string, unknown>, o: Common) {
  const host = o.host ?? HOST;
  return {
    id: o.id ?? crypto.randomUUID(),
    timestamp: o.timestamp ?? tick(),
    action,
    target: { repository: o.repository, ...target } as Record<string, any>,
    request: {
      id: crypto.randomUUID(),
      addr: "127.0.0.1:40000",
      host,
      method: o.method ?? (action === "push" ? "PUT" : action === "mount" ? "POST" : action === "delete" ? "DELETE" : "GET"),
      useragent: "skopeo/1.9.3",
    },
    actor: o.actor ? { name: o.actor } : {},
    source: { addr: "vm:5000", instanceID: "f770ff64-ab0e-4967-a25e-d4e16c1339f6" },
  };
}

const blobTarget = (o: Common & { digest: string; size?: number }) => ({
  mediaType: BLOB,
  size: o.size ?? 1000,
  digest: o.digest,
  length: o.size ?? 1000,
  url: `http://${o.host ?? HOST}/v2/${o.repository}/blobs/${o.digest}`,
});

export const pushBlob = (o: Common & { digest: string; size?: number }) => event("push", blobTarget(o), o);
export const pullBlob = (o: Common & { digest: string; size?: number }) => event("pull", blobTarget(o), o);
export const mountBlob = (o: Common & { digest: string; size?: number; from: string }) =>
  event("mount", { ...blobTarget(o), fromRepository: o.from }, o);

type ManifestOptions = Common & {
  digest: string;
  mediaType?: string;
  size?: number;
  tag?: string;
  /** omit to send no references (includereferences: false) */
  references?: Ref[];
};
const manifestTarget = (o: ManifestOptions) => ({
  mediaType: o.mediaType ?? OCI_MANIFEST,
  size: o.size ?? 345,
  digest: o.digest,
  length: o.size ?? 345,
  url: `http://${o.host ?? HOST}/v2/${o.repository}/manifests/${o.digest}`,
  ...(o.tag ? { tag: o.tag } : {}),
  ...(o.references ? { references: o.references } : {}),
});

export const pushManifest = (o: ManifestOptions) => event("push", manifestTarget(o), o);
export const pullManifest = (o: ManifestOptions) => event("pull", manifestTarget(o), o);
export const deleteDigest = (o: Common & { digest: string }) => event("delete", { digest: o.digest }, o);
export const deleteTag = (o: Common & { tag: string }) => event("delete", { tag: o.tag }, o);

export const ref = (mediaType: string, digest: string, size = 1000): Ref => ({ mediaType, size, digest });

/** An image: a config and layers, and the manifest push that references them. */
export function image(seed: string, o: { repository: string; tag?: string; layers?: string[]; host?: string }) {
  const config = digestOf(`${seed}/config`);
  const layers = o.layers ?? [digestOf(`${seed}/layer`)];
  const references = [ref(OCI_CONFIG, config, 400), ...layers.map((l) => ref(OCI_LAYER, l, 1000))];
  const digest = digestOf(`${seed}/manifest`);
  return {
    digest,
    config,
    layers,
    references,
    blobPushes: [config, ...layers].map((d) => pushBlob({ repository: o.repository, digest: d, host: o.host })),
    push: (extra: Partial<ManifestOptions> = {}) =>
      pushManifest({ repository: o.repository, digest, tag: o.tag, references, host: o.host, ...extra }),
  };
}

export const envelope = (...events: unknown[]) => ({ events });
