import type { Config } from "../config.ts";
import { loadEquivRegistries, type RegistryNames, registryNames } from "../equiv-registries.ts";
import type { Logger } from "../log.ts";
import { TokenCache } from "./auth.ts";
import { RegistryClient } from "./client.ts";
import { type CredentialStore, loadDockerConfig } from "./credentials.ts";
import { createPolicy, type RegistryPolicy } from "./policy.ts";

/** Everything needed to call registries back, built once from the settings. */
export type RegistryContext = {
  names: RegistryNames;
  policy: RegistryPolicy;
  /** One client per registry origin, sharing a token cache. */
  client(origin: string): RegistryClient;
};

export type ContextSettings = Pick<Config, "registryUrl" | "dockerConfig" | "equivRegistries">;

export async function createRegistryContext(
  config: ContextSettings,
  log: Logger,
  extra: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<RegistryContext> {
  const credentials: CredentialStore | undefined = config.dockerConfig ? await loadDockerConfig(config.dockerConfig) : undefined;
  const equiv = await loadEquivRegistries(config.equivRegistries);
  const names = registryNames(equiv);
  const policy = createPolicy({ registryUrls: config.registryUrl, credentialKeys: credentials?.keys, equiv, names, log });
  const tokens = new TokenCache();
  const clients = new Map<string, RegistryClient>();
  return {
    names,
    policy,
    client(origin) {
      let client = clients.get(origin);
      if (!client) {
        client = new RegistryClient({
          baseUrl: origin,
          credentials,
          tokens,
          mayFollow: policy.allows,
          fetch: extra.fetch,
          timeoutMs: extra.timeoutMs,
        });
        clients.set(origin, client);
      }
      return client;
    },
  };
}
