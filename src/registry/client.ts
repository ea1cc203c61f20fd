import * as v from "valibot";
import { MANIFEST_ACCEPT } from "../distribution.ts";
import { USER_AGENT } from "../version.ts";
import { basicHeader, fetchToken, parseChallenges, scopeFor, TokenCache } from "./auth.ts";
import type { CredentialStore } from "./credentials.ts";
import { describeUrl, errorKindForStatus, RegistryError } from "./errors.ts";
import { parseJson, readCapped } from "./read-capped.ts";

export type ClientOptions = {
  /** The registry's origin, e.g. https://registry.example.com */
  baseUrl: string;
  credentials?: CredentialStore;
  /** Share one cache between the clients of a process. */
  tokens?: TokenCache;
  /** Where a redirect may lead (the call-back policy); by default only back to the registry's own origin. */
  mayFollow?: (url: URL) => boolean;
  fetch?: typeof fetch;
  timeoutMs?: number;
};

export type ManifestHead = { digest: string; mediaType: string | null; size: number | null };
export type FetchedManifest = { bytes: Uint8Array; contentType: string | undefined; digest: string | undefined };

const MAX_REDIRECTS = 5;
// The registry refuses manifests larger than 4 MiB; anything bigger is not a manifest.
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
// A catalog or tag list page of a thousand long names is well under this.
const MAX_PAGE_BYTES = 8 * 1024 * 1024;

const TagList = v.object({ tags: v.nullish(v.array(v.string())) });
const Catalog = v.object({ repositories: v.nullish(v.array(v.string())) });

/** One registry, spoken to over the distribution API with its own credentials and no one else's. */
export class RegistryClient {
  readonly origin: string;
  readonly #credentials?: CredentialStore;
  readonly #tokens: TokenCache;
  readonly #mayFollow: (url: URL) => boolean;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  #basic = false;

  constructor(options: ClientOptions) {
    this.origin = new URL(options.baseUrl).origin;
    this.#credentials = options.credentials;
    this.#tokens = options.tokens ?? new TokenCache();
    this.#mayFollow = options.mayFollow ?? ((url) => url.origin === this.origin);
    this.#fetch = withUserAgent(options.fetch ?? fetch);
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /**
   * GET or HEAD a path of the registry; any answer but 2xx throws a RegistryError. With `redirectIsAnswer`
   * a redirect is the answer (a blob served from storage elsewhere exists) and is not followed.
   */
  async request(path: string, options: RequestOptions = {}): Promise<Response> {
    const scope = scopeFor(path);
    const tokenKey = `${this.origin} ${scope ?? ""}`;
    let authorization = await this.#authorization(tokenKey);
    for (let retried = false; ; retried = true) {
      const { response, url } = await this.#send(new URL(path, this.origin), options, authorization);
      // Only the registry's own challenge is answered: a redirect target's would take its credentials elsewhere.
      if (response.status === 401 && !retried && url.origin === this.origin) {
        await response.body?.cancel();
        authorization = await this.#answer(response.headers.get("www-authenticate"), scope, tokenKey);
        continue;
      }
      if (!response.ok && !isRedirect(response)) {
        await response.body?.cancel();
        if (response.status === 401 && url.origin === this.origin)
          throw new RegistryError("auth", `the registry ${this.origin} refused the credentials for ${path.split("?")[0]}`, 401);
        const kind = errorKindForStatus(response.status);
        throw new RegistryError(kind, `${options.method ?? "GET"} ${describeUrl(url)} answered ${response.status}`, response.status);
      }
      return response;
    }
  }

  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const response = await this.request(`/v2/${repository}/manifests/${reference}`, { accept: MANIFEST_ACCEPT });
    const bytes = await readCapped(response, MAX_MANIFEST_BYTES);
    if (!bytes) throw new RegistryError("invalid", `the manifest ${repository}@${reference} is larger than ${MAX_MANIFEST_BYTES} bytes`);
    return {
      bytes,
      contentType: response.headers.get("content-type")?.split(";")[0]?.trim() || undefined,
      digest: response.headers.get("docker-content-digest") ?? undefined,
    };
  }

  /** What a tag or digest resolves to, or undefined when the registry does not have it. */
  async headManifest(repository: string, reference: string): Promise<ManifestHead | undefined> {
    try {
      const response = await this.request(`/v2/${repository}/manifests/${reference}`, { method: "HEAD", accept: MANIFEST_ACCEPT });
      const digest = response.headers.get("docker-content-digest") ?? (reference.includes(":") ? reference : undefined);
      if (!digest) throw new RegistryError("invalid", `the registry did not say which digest ${repository}:${reference} is`);
      const length = response.headers.get("content-length");
      return {
        digest,
        mediaType: response.headers.get("content-type")?.split(";")[0]?.trim() || null,
        size: length ? Number(length) : null,
      };
    } catch (error) {
      if (error instanceof RegistryError && error.kind === "not-found") return undefined;
      throw error;
    }
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    try {
      await this.request(`/v2/${repository}/blobs/${digest}`, { method: "HEAD", redirectIsAnswer: true });
      return true;
    } catch (error) {
      if (error instanceof RegistryError && error.kind === "not-found") return false;
      throw error;
    }
  }

  /** Every repository in the catalog, page by page (`n`, `last`, `Link: <...>; rel="next"`). */
  async *catalog(pageSize = 100): AsyncGenerator<string> {
    for await (const page of this.#pages(`/v2/_catalog?n=${pageSize}`, Catalog)) yield* page.repositories ?? [];
  }

  /** Every tag of a repository; none when the registry does not know the repository. */
  async tags(repository: string, pageSize = 1000): Promise<string[]> {
    const tags: string[] = [];
    try {
      for await (const page of this.#pages(`/v2/${repository}/tags/list?n=${pageSize}`, TagList)) tags.push(...(page.tags ?? []));
    } catch (error) {
      if (error instanceof RegistryError && error.kind === "not-found") return [];
      throw error;
    }
    return tags;
  }

  async *#pages<S extends v.GenericSchema>(first: string, schema: S): AsyncGenerator<v.InferOutput<S>> {
    let path: string | undefined = first;
    for (let page = 0; path && page < 100_000; page++) {
      const response = await this.request(path);
      const bytes = await readCapped(response, MAX_PAGE_BYTES);
      const body = v.safeParse(schema, parseJson(bytes));
      if (!body.success) throw new RegistryError("invalid", `${describeUrl(new URL(path, this.origin))} answered an unexpected body`);
      yield body.output;
      path = nextLink(response.headers.get("link"), this.origin);
    }
  }

  async #authorization(tokenKey: string): Promise<string | undefined> {
    const token = this.#tokens.get(tokenKey);
    if (token) return `Bearer ${token}`;
    if (!this.#basic) return undefined;
    const credential = await this.#credentials?.lookup(this.origin);
    return credential && "password" in credential ? basicHeader(credential) : undefined;
  }

  /** Meets a 401's challenge: the Authorization to retry with, or an auth error. */
  async #answer(header: string | null, scope: string | undefined, tokenKey: string): Promise<string> {
    const challenges = parseChallenges(header);
    const credential = await this.#credentials?.lookup(this.origin);
    const bearer = challenges.find((c) => c.scheme === "bearer");
    if (bearer) {
      this.#tokens.delete(tokenKey);
      const token = await fetchToken({
        registry: this.origin,
        challenge: bearer,
        scope,
        credential,
        fetch: this.#fetch,
        timeoutMs: this.#timeoutMs,
      });
      this.#tokens.set(tokenKey, token);
      return `Bearer ${token.value}`;
    }
    if (challenges.some((c) => c.scheme === "basic") && credential && "password" in credential && !this.#basic) {
      this.#basic = true;
      return basicHeader(credential);
    }
    const why = credential ? "refused the credentials" : "wants credentials and the Docker config has none for it";
    throw new RegistryError("auth", `the registry ${this.origin} ${why}`, 401);
  }

  /** Follows redirects by hand: the Authorization header goes to the registry's own origin only. */
  async #send(url: URL, options: RequestOptions, authorization: string | undefined) {
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = {};
      if (options.accept) headers.accept = options.accept;
      if (authorization && url.origin === this.origin) headers.authorization = authorization;
      let response: Response;
      try {
        response = await this.#fetch(url, {
          method: options.method ?? "GET",
          headers,
          redirect: "manual",
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (error) {
        const name = (error as Error).name === "TimeoutError" ? "timed out" : "did not answer";
        throw new RegistryError("network", `${describeUrl(url)} ${name}`);
      }
      if (!isRedirect(response) || options.redirectIsAnswer) return { response, url };
      await response.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new RegistryError("refused", `${describeUrl(url)} redirected too many times`);
      const next = new URL(response.headers.get("location")!, url);
      // A registry may send regstat on only to a registry the operator named, never to plain http in place of https.
      if (!this.#mayFollow(next))
        throw new RegistryError(
          "refused",
          `${describeUrl(url)} redirected to ${describeUrl(next)}, which is not a registry regstat may call`,
        );
      url = next;
    }
  }
}

/** Every request of a client, token exchanges included, says it is regstat's. */
function withUserAgent(send: typeof fetch): typeof fetch {
  return ((input: string | URL | Request, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set("user-agent", USER_AGENT);
    return send(input, { ...init, headers });
  }) as typeof fetch;
}

type RequestOptions = { method?: "GET" | "HEAD"; accept?: string; redirectIsAnswer?: boolean };

const isRedirect = (response: Response) => response.status >= 300 && response.status < 400 && response.headers.has("location");

function nextLink(header: string | null, origin: string): string | undefined {
  const match = header && /<([^>]+)>\s*;\s*rel="?next"?/i.exec(header);
  if (!match) return undefined;
  const next = new URL(match[1]!, origin);
  // A next page elsewhere would take this registry's credentials with it.
  return next.origin === origin ? next.pathname + next.search : undefined;
}
