import type { RegistryNames } from "../equiv-registries.ts";
import type { Logger } from "../log.ts";
import { normalizeHost } from "./credentials.ts";

export type CallTarget = { registry: string; url: string | null };

/** Which registry origin regstat may call back for a manifest, or undefined when it may not. */
export interface RegistryPolicy {
  originFor(target: CallTarget): string | undefined;
  readonly open: boolean;
}

/**
 * The operator names the registries regstat calls: `--registry-url`, the hosts of the Docker config, the
 * names and aliases of the equivalent-registries file. An event's `target.url` is followed only to one of
 * them, so a forged or misdirected notification cannot make regstat call (and send credentials) elsewhere.
 * With none configured every registry is allowed, as the original did, and a warning says so once.
 */
export function createPolicy(options: {
  registryUrls: string[];
  credentialHosts?: string[];
  equiv?: Record<string, string[]>;
  names: RegistryNames;
  log?: Logger;
}): RegistryPolicy {
  const configured = new Map<string, string>();
  for (const url of options.registryUrls) configured.set(normalizeHost(url), new URL(url).origin);
  const allowed = new Set([
    ...configured.keys(),
    ...(options.credentialHosts ?? []).map(normalizeHost),
    ...Object.entries(options.equiv ?? {}).flatMap(([name, aliases]) => [name, ...aliases].map(normalizeHost)),
  ]);
  const open = allowed.size === 0;
  if (open) {
    options.log?.warn(
      "no --registry-url, Docker config or equivalent registries: regstat will call back any registry a notification names",
    );
  }

  return {
    open,
    originFor({ registry, url }) {
      if (url) {
        let target: URL;
        try {
          target = new URL(url);
        } catch {
          return undefined;
        }
        if (target.protocol !== "https:" && target.protocol !== "http:") return undefined;
        const host = normalizeHost(target.origin);
        // The operator's own URL wins: it says http or https, whatever the registry believes it is.
        if (configured.has(host)) return configured.get(host);
        return open || allowed.has(host) ? target.origin : undefined;
      }
      for (const origin of configured.values()) if (options.names(new URL(origin).host) === registry) return origin;
      return undefined;
    },
  };
}
