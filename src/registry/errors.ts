/**
 * What went wrong talking to a registry. `network`, `unavailable` (5xx, 429) and `auth` may pass with time and
 * are retried; `not-found`, `invalid` (wrong digest, malformed manifest) and `refused` will not.
 * Messages never hold a credential, a token or a response body: they are logged and stored as they are.
 */
export type RegistryErrorKind = "network" | "unavailable" | "auth" | "not-found" | "invalid" | "refused";

export class RegistryError extends Error {
  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "RegistryError";
  }

  get permanent() {
    return this.kind === "not-found" || this.kind === "invalid" || this.kind === "refused";
  }
}

/** A URL fit for a message: no user-info, no query (a token realm's query may carry an account). */
export function describeUrl(url: URL | string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "(not a URL)";
  }
}

export function errorKindForStatus(status: number): RegistryErrorKind {
  if (status === 404) return "not-found";
  if (status === 401 || status === 403) return "auth";
  if (status >= 500 || status === 429 || status === 408) return "unavailable";
  return "refused";
}
