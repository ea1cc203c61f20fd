import * as v from "valibot";
import { readCapped } from "./read-capped.ts";

/** A login for one registry: a user and password, or an identity (refresh) token for the token realm. */
export type Credential = { username: string; password: string } | { username?: string; identityToken: string };

export interface CredentialStore {
  /** The login for a registry host or URL, if the Docker config holds one. */
  lookup(registry: string): Promise<Credential | undefined>;
  /** The registries the config names, as written (`host`, `https://host/v1/`, `http://host`): the call-back policy reads the scheme. */
  readonly keys: string[];
}

const AuthEntry = v.object({
  auth: v.optional(v.string()),
  username: v.optional(v.string()),
  password: v.optional(v.string()),
  identitytoken: v.optional(v.string()),
});
const DockerConfig = v.object({
  auths: v.optional(v.record(v.string(), AuthEntry), {}),
  credHelpers: v.optional(v.record(v.string(), v.string()), {}),
  credsStore: v.optional(v.string()),
});
const HelperAnswer = v.object({ Username: v.optional(v.string()), Secret: v.string() });

const DOCKER_HUB = "docker.io";
const hubAliases = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);
const HUB_SERVER = "https://index.docker.io/v1/";

/** `https://Host:443/v1/` and `host` name the same registry; every Docker Hub alias is `docker.io`. */
export function normalizeHost(registry: string): string {
  const match = /^(?:([a-z][a-z0-9+.-]*):\/\/)?([^/?#]*)/i.exec(registry.trim());
  let host = (match?.[2] ?? "").toLowerCase().replace(/^[^@]*@/, "");
  const scheme = match?.[1]?.toLowerCase();
  if (host.endsWith(":443") && scheme !== "http") host = host.slice(0, -4);
  if (host.endsWith(":80") && scheme === "http") host = host.slice(0, -3);
  return hubAliases.has(host) ? DOCKER_HUB : host;
}

const HELPER_CACHE_MS = 5 * 60_000;

/** Reads a Docker `config.json` as the Docker CLI does. Secrets stay inside the returned store. */
export async function loadDockerConfig(path: string, options: HelperOptions = {}): Promise<CredentialStore> {
  let raw: unknown;
  try {
    raw = JSON.parse(await Bun.file(path).text());
  } catch (error) {
    throw new Error(`cannot read the Docker config ${path}: ${(error as Error).name}`);
  }
  const result = v.safeParse(DockerConfig, raw);
  if (!result.success) {
    const where = result.issues[0].path?.map((p) => String(p.key)).join(".") ?? "";
    // Not the issue's message: it quotes the value found, which may be a password.
    throw new Error(`the Docker config ${path} is not valid at "${where}": expected ${result.issues[0].expected ?? "something else"}`);
  }
  return credentialStore(result.output, options);
}

export function credentialStore(config: v.InferOutput<typeof DockerConfig>, options: HelperOptions = {}): CredentialStore {
  const auths = new Map<string, v.InferOutput<typeof AuthEntry>>();
  for (const [key, entry] of Object.entries(config.auths)) auths.set(normalizeHost(key), entry);
  const helpers = new Map(Object.entries(config.credHelpers).map(([k, name]) => [normalizeHost(k), name]));
  // Helpers may be slow (a keychain, a cloud call): one run per host at a time, reused for a while.
  const cache = new Map<string, { credential: Promise<Credential | undefined>; until: number }>();

  const fromHelper = (host: string, helper: string) => {
    const hit = cache.get(host);
    if (hit && hit.until > Date.now()) return hit.credential;
    const credential = runHelper(helper, host === DOCKER_HUB ? HUB_SERVER : host, options.helperTimeoutMs ?? HELPER_TIMEOUT_MS);
    // Hosts come from the call-back policy, so few; bounded all the same.
    if (cache.size >= 256) cache.delete(cache.keys().next().value!);
    cache.set(host, { credential, until: Date.now() + HELPER_CACHE_MS });
    credential.catch(() => cache.delete(host));
    return credential;
  };

  return {
    keys: [...Object.keys(config.auths), ...Object.keys(config.credHelpers)],
    async lookup(registry) {
      const host = normalizeHost(registry);
      const helper = helpers.get(host);
      if (helper) return fromHelper(host, helper);
      const entry = auths.get(host);
      if (entry) {
        const inline = fromEntry(entry);
        if (inline) return inline;
      }
      if (config.credsStore) return fromHelper(host, config.credsStore);
      return undefined;
    },
  };
}

function fromEntry(entry: v.InferOutput<typeof AuthEntry>): Credential | undefined {
  let { username, password } = entry;
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) [username, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  }
  if (entry.identitytoken) return { username, identityToken: entry.identitytoken };
  if (username && password !== undefined) return { username, password };
  return undefined;
}

const HELPER_TIMEOUT_MS = 10_000;
/** `helperTimeoutMs`: how long a credential helper may take (10 s unless a test says otherwise). */
export type HelperOptions = { helperTimeoutMs?: number };
// A helper answers a username and a secret: a token is a few kilobytes at most.
const HELPER_OUTPUT_MAX_BYTES = 64 * 1024;

/**
 * What a helper runs with: regstat's environment without its own settings and PostgreSQL's (the tokens and
 * the database password are nobody else's business); PATH, HOME and a cloud helper's own variables stay.
 */
export function helperEnvironment(env: Record<string, string | undefined> = process.env): Record<string, string> {
  const secret = /^(REGSTAT_|PG)|^DATABASE_URL$/;
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && !secret.test(e[0])));
}

/** `docker-credential-<name> get` with the server on stdin; "not found" is no credential, not an error. */
async function runHelper(name: string, server: string, timeoutMs: number): Promise<Credential | undefined> {
  const program = `docker-credential-${name}`;
  const executable = Bun.which(program, { PATH: process.env.PATH ?? "" });
  if (!executable) throw new Error(`the credential helper ${program} is not on PATH`);
  const proc = Bun.spawn([executable, "get"], {
    stdin: new TextEncoder().encode(server),
    stdout: "pipe",
    stderr: "pipe",
    env: helperEnvironment(),
  });
  // One deadline for the helper and its output: a child it left behind may hold the pipes open long after.
  let timer: Timer | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`the credential helper ${program} did not answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
  });
  const [stdout, stderr, code] = await Promise.race([
    Promise.all([
      readCapped(new Response(proc.stdout), HELPER_OUTPUT_MAX_BYTES),
      readCapped(new Response(proc.stderr), HELPER_OUTPUT_MAX_BYTES),
      proc.exited,
    ]),
    deadline,
  ]).finally(() => clearTimeout(timer));
  if (!stdout || !stderr) {
    proc.kill("SIGKILL");
    throw new Error(`the credential helper ${program} printed more than ${HELPER_OUTPUT_MAX_BYTES} bytes`);
  }
  const [out, err] = [new TextDecoder().decode(stdout), new TextDecoder().decode(stderr)];
  if (code !== 0) {
    if (/not found/i.test(out + err)) return undefined;
    // Its output may hold a secret: say only that it failed.
    throw new Error(`the credential helper ${program} failed for ${server} (exit ${code})`);
  }
  let answer: v.InferOutput<typeof HelperAnswer>;
  try {
    answer = v.parse(HelperAnswer, JSON.parse(out));
  } catch {
    throw new Error(`the credential helper ${program} answered something other than {"Username","Secret"}`);
  }
  if (answer.Username === "<token>") return { identityToken: answer.Secret };
  return { username: answer.Username ?? "", password: answer.Secret };
}
