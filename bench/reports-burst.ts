import { registryNames } from "../src/equiv-registries.ts";
import { pullCounting } from "../src/ingest/counted-pulls.ts";
import { type Normalized, normalizeEvents } from "../src/ingest/normalize.ts";
import {
  deleteDigest,
  deleteTag,
  digestOf,
  mountBlob,
  OCI_CONFIG,
  OCI_LAYER,
  pushBlob,
  pushManifest,
  ref,
} from "../test/support/events.ts";
import { sizes } from "./reports-data.ts";

/**
 * Writes like a busy registry's, onto the generated one (bench/reports-data.ts): new images on its shared base
 * layers pushed and tagged in its repositories, tags and earlier burst images deleted, a base layer deleted from a
 * repository that uses it. Each burst changes every figure the reports keep.
 */
export function bursts(scale: number) {
  const s = sizes(scale);
  const md5 = (text: string) => new Bun.CryptoHasher("md5").update(text).digest("hex");
  const base = (n: number) => `sha256:${md5(`b${n}`)}${md5(`b2${n}`)}`; // as reports-data.ts names blob n
  const host = (r: number) => (r % 10 === 9 ? "mirror.example.com" : "registry.example.com");
  const repository = (r: number) => `team-${r % 250}/app-${r}`;
  const rules = { names: registryNames(undefined), pulls: pullCounting() };
  const pushed: { r: number; digest: string }[] = [];
  let serial = 0;

  return function burst(images = 8): Normalized {
    const events: object[] = [];
    for (let i = 0; i < images; i++) {
      const n = serial++;
      const r = (n * 7919) % s.repositories;
      const at = { repository: repository(r), host: host(r), timestamp: new Date().toISOString() };
      const bases = [1, 2, 3].map((k) => base(1 + ((n * 3 + k) % s.baseBlobs)));
      const own = digestOf(`burst-layer-${n}`);
      const config = digestOf(`burst-config-${n}`);
      const digest = digestOf(`burst-manifest-${n}`);
      events.push(
        ...bases.map((d) => mountBlob({ ...at, digest: d, from: repository((r + 1) % s.repositories) })),
        pushBlob({ ...at, digest: own, size: 5_000_000 }),
        pushBlob({ ...at, digest: config, size: 1500 }),
        pushManifest({
          ...at,
          digest,
          tag: `burst-${n % 3}`,
          references: [ref(OCI_CONFIG, config, 1500), ...bases.map((d) => ref(OCI_LAYER, d, 30_000_000)), ref(OCI_LAYER, own, 5_000_000)],
        }),
      );
      pushed.push({ r, digest });
    }
    const r = (serial * 104_729) % s.repositories;
    events.push(deleteTag({ repository: repository(r), host: host(r), tag: `v${serial % 9}` }));
    const old = pushed.length > images ? pushed.shift()! : undefined;
    if (old) events.push(deleteDigest({ repository: repository(old.r), host: host(old.r), digest: old.digest }));
    events.push(deleteDigest({ repository: repository(r), host: host(r), digest: base(1 + (serial % s.baseBlobs)) }));
    return normalizeEvents(events, rules);
  };
}
