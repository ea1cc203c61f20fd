import * as v from "valibot";
import type { Credential } from "./credentials.ts";
import { describeUrl, RegistryError } from "./errors.ts";
import { parseJson, readCapped } from "./read-capped.ts";

export type Challenge = { scheme: string; params: Record<string, string> };

/** `Bearer realm="https://auth",service="registry",scope="repository:a:pull"`, possibly several. */
export function parseChallenges(header: string | null): Challenge[] {
  if (!header) return [];
  const challenges: Challenge[] = [];
  const token = /\s*(?:([A-Za-z][\w-]*)\s+(?=[\w-]+\s*=)|([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?|([A-Za-z][\w-]*)\s*,?)/gy;
  let match: RegExpExecArray | null;
  while (token.lastIndex < header.length && (match = token.exec(header))) {
    if (match[1] || match[5]) challenges.push({ scheme: (match[1] ?? match[5])!.toLowerCase(), params: {} });
    else if (match[2] && challenges.length)
      challenges.at(-1)!.params[match[2].toLowerCase()] = match[3]?.replace(/\\(.)/g, "$1") ?? match[4] ?? "";
    if (match[0] === "") break;
  }
  return challenges;
}

export const basicHeader = (c: { username?: string; password: string }) =>
  `Basic ${Buffer.from(`${c.username ?? ""}:${c.password}`).toString("base64")}`;

const TokenAnswer = v.object({
  token: v.optional(v.string()),
  access_token: v.optional(v.string()),
  expires_in: v.optional(v.number()),
});

const DEFAULT_EXPIRY_S = 60;
// A token about to expire is treated as expired, so a request never leaves with a dead one.
const expiryMargin = (ms: number) => Math.min(5_000, ms / 10);

export type Token = { value: string; expiresAt: number };

// A token answer is a JWT or an opaque string and a few fields: far smaller than this.
const MAX_TOKEN_ANSWER_BYTES = 64 * 1024;

/**
 * The registry token flow: GET the realm with Basic credentials (or none), or, for an identity token,
 * POST an OAuth2 refresh_token grant. Redirects are not followed: a realm elsewhere is not trusted.
 * The realm is the host the registry's own challenge names (Docker Hub's is auth.docker.io), so it may be
 * another host; it must be http(s), and https when the registry is: credentials never leave in clear text
 * for a registry the operator named over https, and no other scheme (file:) is ever read.
 */
export async function fetchToken(options: {
  /** the registry's origin, as the operator named it */
  registry: string;
  challenge: Challenge;
  scope: string | undefined;
  credential: Credential | undefined;
  fetch: typeof fetch;
  timeoutMs: number;
}): Promise<Token> {
  const { realm, service } = options.challenge.params;
  if (!realm) throw new RegistryError("auth", "the registry asked for a bearer token without naming a realm");
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new RegistryError("auth", "the registry named a token realm that is not a URL");
  }
  const registryIsHttps = options.registry.startsWith("https:");
  if (url.protocol !== "https:" && (url.protocol !== "http:" || registryIsHttps)) {
    throw new RegistryError(
      "refused",
      `the registry named a token realm over ${url.protocol} (${registryIsHttps ? "only https" : "only http or https"} is called)`,
    );
  }
  const scope = options.challenge.params.scope ?? options.scope;
  const credential = options.credential;
  const signal = AbortSignal.timeout(options.timeoutMs);
  let response: Response;
  try {
    if (credential && "identityToken" in credential) {
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: credential.identityToken, client_id: "regstat" });
      if (service) form.set("service", service);
      if (scope) form.set("scope", scope);
      response = await options.fetch(url, { method: "POST", body: form, redirect: "manual", signal });
    } else {
      if (service) url.searchParams.set("service", service);
      if (scope) for (const s of scope.split(" ")) url.searchParams.append("scope", s);
      if (credential?.username) url.searchParams.set("account", credential.username);
      const headers: Record<string, string> = credential ? { authorization: basicHeader(credential) } : {};
      response = await options.fetch(url, { headers, redirect: "manual", signal });
    }
  } catch (error) {
    throw new RegistryError("network", `the token realm ${describeUrl(url)} did not answer: ${(error as Error).name}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    const kind = response.status >= 500 || response.status === 429 ? "unavailable" : "auth";
    throw new RegistryError(kind, `the token realm ${describeUrl(url)} answered ${response.status}`, response.status);
  }
  const body = v.safeParse(TokenAnswer, parseJson(await readCapped(response, MAX_TOKEN_ANSWER_BYTES)));
  const value = body.success ? (body.output.token ?? body.output.access_token) : undefined;
  if (!body.success || !value) throw new RegistryError("auth", `the token realm ${describeUrl(url)} answered without a token`);
  const seconds = body.output.expires_in && body.output.expires_in > 0 ? body.output.expires_in : DEFAULT_EXPIRY_S;
  return { value, expiresAt: Date.now() + seconds * 1000 - expiryMargin(seconds * 1000) };
}

// Scopes are per repository: a registry with many repositories must not grow the cache without end.
const MAX_TOKENS = 1024;

/** Bearer tokens per registry and scope, dropped once expired, the oldest dropped past MAX_TOKENS. */
export class TokenCache {
  #tokens = new Map<string, Token>();

  get(key: string): string | undefined {
    const token = this.#tokens.get(key);
    if (token && token.expiresAt > Date.now()) return token.value;
    this.#tokens.delete(key);
    return undefined;
  }

  set(key: string, token: Token) {
    this.#tokens.delete(key);
    if (this.#tokens.size >= MAX_TOKENS) this.#tokens.delete(this.#tokens.keys().next().value!);
    this.#tokens.set(key, token);
  }

  delete(key: string) {
    this.#tokens.delete(key);
  }
}

/** The scope a request needs, from its path: what the registry would ask for in its challenge. */
export function scopeFor(path: string): string | undefined {
  if (/^\/v2\/_catalog\b/.test(path)) return "registry:catalog:*";
  const match = /^\/v2\/(.+?)\/(?:manifests|blobs|tags)\//.exec(path);
  return match ? `repository:${match[1]}:pull` : undefined;
}
