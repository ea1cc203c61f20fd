import * as v from "valibot";

/** Maps every alias of a registry to its preferred name (the original's equiv-registries.json). */
export type RegistryNames = (host: string) => string;

const EquivFile = v.record(v.string(), v.array(v.string()));

export function registryNames(equiv: Record<string, string[]> = {}): RegistryNames {
  const preferred = new Map<string, string>();
  for (const [name, aliases] of Object.entries(equiv)) {
    for (const alias of aliases) preferred.set(alias.toLowerCase(), name);
  }
  return (host) => preferred.get(host.toLowerCase()) ?? host.toLowerCase();
}

export async function loadEquivRegistries(path: string | undefined): Promise<Record<string, string[]>> {
  if (!path) return {};
  const file = Bun.file(path);
  if (!(await file.exists())) throw new Error(`--equiv-registries: no file at ${path}`);
  const result = v.safeParse(EquivFile, await file.json().catch(() => undefined));
  if (!result.success) {
    throw new Error(`--equiv-registries: ${path} must be a JSON object of {"registry": ["alias", ...]}`);
  }
  return result.output;
}
