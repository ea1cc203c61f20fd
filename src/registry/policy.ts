import type { RegistryNames } from "../equiv-registries.ts";
import type { Logger } from "../log.ts";
import { normalizeHost } from "./credentials.ts";

export type CallTarget = { registry: string; url: string | null };

/** Which registry origin regstat may call back for a manifest, or undefined when it may not. */
export interface RegistryPolicy {
  originFor(target: CallTarget): string | undefined;
  /** May a request (the first, or a redirect's next hop) go to this URL? */
  allows(url: URL): boolean;
  /** No registry is named: regstat calls nothing back. */
  readonly closed: boolean;
  /** The named registries, as events name them (through the equivalent-registries file). */
  readonly registries: string[];
}

export const closedWarning =
  "no registry is named, so regstat calls none back: manifests pushed without references (registry 2.8 without includereferences) get no " +
  "blobs until one is; set --registry-url https://your-registry (or name it in --docker-config or --equiv-registries)";

/**
 * The operator names the registries regstat calls: `--registry-url`, the hosts of the Docker config, the
 * names and aliases of the equivalent-registries file. Nothing else is ever called, whatever an event
 * says (the webhook is open by default: everything in an event is the sender's word).
 * Each host is called at the scheme the operator gave: a `--registry-url` or a Docker config key as written
 * (`http://host` only if written so), an equivalent-registries name over https. An event saying `http://`
 * cannot make regstat answer a Basic challenge in clear text.
 */
export function createPolicy(options: {
  registryUrls: string[];
  /** Docker config keys as written: `host`, `https://host/v1/` or `http://host` */
  credentialKeys?: string[];
  equiv?: Record<string, string[]>;
  names: RegistryNames;
  log?: Logger;
}): RegistryPolicy {
  const origins = new Map<string, string>();
  const name = (key: string, origin: string) => {
    const host = normalizeHost(key);
    if (host && !origins.has(host)) origins.set(host, origin);
  };
  for (const url of options.registryUrls) name(url, new URL(url).origin);
  for (const key of options.credentialKeys ?? []) name(key, `${/^http:\/\//i.test(key.trim()) ? "http" : "https"}://${normalizeHost(key)}`);
  for (const [preferred, aliases] of Object.entries(options.equiv ?? {})) {
    for (const host of [preferred, ...aliases]) name(host, `https://${normalizeHost(host)}`);
  }
  const closed = origins.size === 0;
  if (closed) options.log?.warn(closedWarning);

  const originOf = (url: URL) => {
    if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
    return origins.get(normalizeHost(url.origin));
  };

  return {
    closed,
    registries: [...new Set([...origins.values()].map((origin) => options.names(new URL(origin).host)))],
    originFor({ registry, url }) {
      if (url) {
        try {
          return originOf(new URL(url));
        } catch {
          return undefined;
        }
      }
      for (const origin of options.registryUrls.map((u) => new URL(u).origin)) {
        if (options.names(new URL(origin).host) === registry) return origin;
      }
      return undefined;
    },
    allows(url) {
      const origin = originOf(url);
      // https to a named host always; plain http only where the operator wrote http for that host.
      return origin !== undefined && (url.protocol === "https:" || origin.startsWith("http:"));
    },
  };
}
