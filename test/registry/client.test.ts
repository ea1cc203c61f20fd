import { describe, expect, setSystemTime, test } from "bun:test";
import pkg from "../../package.json" with { type: "json" };
import { TokenCache } from "../../src/registry/auth.ts";
import { RegistryClient } from "../../src/registry/client.ts";
import { credentialStore } from "../../src/registry/credentials.ts";
import { RegistryError } from "../../src/registry/errors.ts";
import { parseManifest } from "../../src/registry/manifest.ts";
import { fakeServer, manifestResponse, schema2 } from "./fake-registry.ts";

const PASSWORD = "pa55-w0rd-s3cret";
const TOKEN_PREFIX = "tok-s3cret-";
const image = schema2();
const basic = `Basic ${btoa(`alice:${PASSWORD}`)}`;
const loginFor = (host: string) => credentialStore({ auths: { [host]: { auth: btoa(`alice:${PASSWORD}`) } }, credHelpers: {} });

async function caught(p: Promise<unknown>): Promise<RegistryError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryError);
    return error as RegistryError;
  }
  throw new Error("expected a RegistryError");
}

/** A registry with a token realm of its own: tokens are `${TOKEN_PREFIX}${n}`, `expired` refuses old ones. */
function bearerRegistry(opts: { anonymous?: boolean; field?: "token" | "access_token"; expiresIn?: number } = {}) {
  let issued = 0;
  const revoked = new Set<string>();
  const server = fakeServer((req, url) => {
    if (url.pathname === "/token") {
      if (!opts.anonymous && req.headers.get("authorization") !== basic) return new Response("no", { status: 401 });
      const token = `${TOKEN_PREFIX}${++issued}`;
      return Response.json({ [opts.field ?? "token"]: token, ...(opts.expiresIn ? { expires_in: opts.expiresIn } : {}) });
    }
    const auth = req.headers.get("authorization") ?? "";
    const token = auth.replace(/^Bearer /, "");
    if (!auth.startsWith(`Bearer ${TOKEN_PREFIX}`) || revoked.has(token)) {
      const scope = /^\/v2\/(.+)\/manifests/.exec(url.pathname)?.[1];
      return new Response(null, {
        status: 401,
        headers: { "www-authenticate": `Bearer realm="${server.url}/token",service="fake",scope="repository:${scope}:pull"` },
      });
    }
    return manifestResponse([image], url, req.method);
  });
  return { ...server, revoke: (n: number) => revoked.add(`${TOKEN_PREFIX}${n}`), issued: () => issued };
}

describe("authentication", () => {
  test("manifests are asked for in every type regstat reads (a registry not asked for schema 2 down-converts to schema 1)", async () => {
    const server = fakeServer((req, url) => manifestResponse([image], url, req.method));
    const client = new RegistryClient({ baseUrl: server.url });
    await client.getManifest("demo/app", image.digest);
    await client.headManifest("demo/app", "v1").catch(() => {});
    expect(server.requests.map((r) => r.method)).toEqual(["GET", "HEAD"]);
    for (const { accept } of server.requests) {
      expect(accept?.split(/\s*,\s*/).sort()).toEqual([
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
      ]);
    }
  });

  test("anonymous registry: the manifest comes back and hashes to its digest", async () => {
    const server = fakeServer((req, url) => manifestResponse([image], url, req.method));
    const client = new RegistryClient({ baseUrl: server.url });
    const m = await client.getManifest("demo/app", image.digest);
    expect(parseManifest(m.bytes, m.contentType, image.digest).blobs.map((b) => b.digest)).toEqual([
      image.config.digest,
      image.layer.digest,
    ]);
    expect(server.requests[0]!.authorization).toBeNull();
  });

  test("basic: one challenge, then the credentials go with every request", async () => {
    const server = fakeServer((req, url) =>
      req.headers.get("authorization") === basic
        ? manifestResponse([image], url, req.method)
        : new Response(null, { status: 401, headers: { "www-authenticate": 'Basic realm="registry"' } }),
    );
    const client = new RegistryClient({ baseUrl: server.url, credentials: loginFor(server.host) });
    await client.getManifest("demo/app", image.digest);
    await client.getManifest("demo/app", image.digest);
    expect(server.requests.map((r) => r.authorization === basic)).toEqual([false, true, true]);
  });

  test("bearer with credentials: the token is fetched with Basic, cached per scope, and reused", async () => {
    const server = bearerRegistry({ expiresIn: 300 });
    const client = new RegistryClient({ baseUrl: server.url, credentials: loginFor(`http://${server.host}/v1/`) });
    await client.getManifest("demo/app", image.digest);
    await client.getManifest("demo/app", image.digest);
    await client.getManifest("other/app", image.digest);
    expect(server.issued()).toBe(2);
    const tokenRequest = server.requests.find((r) => r.path.startsWith("/token"))!;
    expect(tokenRequest.path).toContain("scope=repository%3Ademo%2Fapp%3Apull");
    expect(tokenRequest.path).toContain("service=fake");
    expect(server.requests.filter((r) => r.path.startsWith("/v2/")).map((r) => r.authorization?.slice(0, 6) ?? null)).toEqual([
      null,
      "Bearer",
      "Bearer",
      null,
      "Bearer",
    ]);
  });

  test("every request, the token exchange included, says it is regstat's: its pull events can be told apart", async () => {
    const server = bearerRegistry({ expiresIn: 300 });
    const client = new RegistryClient({ baseUrl: server.url, credentials: loginFor(`http://${server.host}/v1/`) });
    await client.getManifest("demo/app", image.digest);
    await client.headManifest("demo/app", image.digest);
    expect(server.requests.map((r) => r.path.split("?")[0])).toContain("/token");
    expect(new Set(server.requests.map((r) => r.userAgent))).toEqual(new Set([`regstat/${pkg.version}`]));
  });

  test("anonymous bearer answering access_token", async () => {
    const server = bearerRegistry({ anonymous: true, field: "access_token" });
    const client = new RegistryClient({ baseUrl: server.url });
    await client.getManifest("demo/app", image.digest);
    expect(server.issued()).toBe(1);
    expect(server.requests.find((r) => r.path.startsWith("/token"))!.authorization).toBeNull();
  });

  test("a token lives its expires_in less a margin, then is not sent again", async () => {
    const start = Date.now();
    try {
      const server = bearerRegistry({ expiresIn: 300 });
      const client = new RegistryClient({ baseUrl: server.url, credentials: loginFor(server.host) });
      await client.getManifest("demo/app", image.digest);
      setSystemTime(new Date(start + 294_000)); // inside 300 s less its 5 s margin
      await client.getManifest("demo/app", image.digest);
      expect(server.issued()).toBe(1);
      setSystemTime(new Date(start + 296_000));
      await client.getManifest("demo/app", image.digest);
      expect(server.issued()).toBe(2);
      // the expired token is not sent: the third fetch starts without one
      expect(server.requests.filter((r) => r.path.startsWith("/v2/")).map((r) => r.authorization)).toEqual([
        null,
        `Bearer ${TOKEN_PREFIX}1`,
        `Bearer ${TOKEN_PREFIX}1`,
        null,
        `Bearer ${TOKEN_PREFIX}2`,
      ]);
    } finally {
      setSystemTime();
    }
  });

  test("without expires_in a token lives 60 s less a margin; a token the registry refuses is replaced once", async () => {
    const start = Date.now();
    try {
      const tokens = new TokenCache();
      const server = bearerRegistry();
      const client = new RegistryClient({ baseUrl: server.url, credentials: loginFor(server.host), tokens });
      await client.getManifest("demo/app", image.digest);
      setSystemTime(new Date(start + 54_000));
      await client.getManifest("demo/app", image.digest);
      expect(server.issued()).toBe(1);
      setSystemTime(new Date(start + 56_000));
      await client.getManifest("demo/app", image.digest);
      expect(server.issued()).toBe(2);
      server.revoke(2);
      await client.getManifest("demo/app", image.digest);
      expect(server.issued()).toBe(3);
    } finally {
      setSystemTime();
    }
  });

  test("the token cache holds 1024 scopes at most: past that the oldest goes", () => {
    const tokens = new TokenCache();
    const later = { value: "", expiresAt: Date.now() + 3_600_000 };
    for (let i = 0; i <= 1024; i++) tokens.set(`scope-${i}`, { ...later, value: `t${i}` });
    expect(tokens.get("scope-0")).toBeUndefined();
    expect(tokens.get("scope-1")).toBe("t1");
    expect(tokens.get("scope-1024")).toBe("t1024");
  });

  test("an identity token is exchanged as an OAuth2 refresh token", async () => {
    const server = fakeServer((req, url, seen) => {
      if (url.pathname === "/token") {
        const form = new URLSearchParams(seen.body);
        if (req.method !== "POST" || form.get("refresh_token") !== "id-s3cret" || form.get("grant_type") !== "refresh_token")
          return new Response(null, { status: 401 });
        return Response.json({ access_token: "tok-s3cret-x" });
      }
      if (req.headers.get("authorization") !== "Bearer tok-s3cret-x")
        return new Response(null, { status: 401, headers: { "www-authenticate": `Bearer realm="${server.url}/token",service="s"` } });
      return manifestResponse([image], url, req.method);
    });
    const credentials = credentialStore({ auths: { [server.host]: { identitytoken: "id-s3cret" } }, credHelpers: {} });
    const client = new RegistryClient({ baseUrl: server.url, credentials });
    await client.getManifest("demo/app", image.digest);
    expect(new URLSearchParams(server.requests[1]!.body).get("scope")).toBe("repository:demo/app:pull");
  });
});

describe("failures", () => {
  const server = fakeServer((req, url) => {
    if (url.pathname.includes("/boom/")) return new Response("oops", { status: 503 });
    if (url.pathname.includes("/slow/")) return new Response("wait", { status: 429 });
    if (url.pathname.includes("/locked/")) {
      return new Response(null, { status: 401, headers: { "www-authenticate": 'Basic realm="r"' } });
    }
    return manifestResponse([image], url, req.method);
  });
  const client = new RegistryClient({ baseUrl: server.url, credentials: loginFor(server.host) });

  test("404 is permanent", async () => {
    const error = await caught(client.getManifest("demo/app", `sha256:${"0".repeat(64)}`));
    expect([error.kind, error.status, error.permanent]).toEqual(["not-found", 404, true]);
  });

  test("5xx and 429 are worth retrying", async () => {
    expect((await caught(client.getManifest("boom/app", image.digest))).permanent).toBe(false);
    expect((await caught(client.getManifest("slow/app", image.digest))).kind).toBe("unavailable");
  });

  test("refused credentials: an auth error that does not echo them", async () => {
    const error = await caught(client.getManifest("locked/app", image.digest));
    expect(error.kind).toBe("auth");
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toContain(btoa(`alice:${PASSWORD}`));
  });

  test("no registry listening is a network error", async () => {
    const closed = Bun.serve({ port: 0, fetch: () => new Response() });
    const url = `http://127.0.0.1:${closed.port}`;
    closed.stop(true);
    const error = await caught(new RegistryClient({ baseUrl: url }).getManifest("a", image.digest));
    expect([error.kind, error.permanent]).toEqual(["network", false]);
  });
});

describe("redirects", () => {
  test("credentials follow a redirect on the same origin but never to another host", async () => {
    const storage = fakeServer((req, url) => manifestResponse([image], url, req.method));
    const registry = fakeServer((req, url) => {
      if (req.headers.get("authorization") !== basic)
        return new Response(null, { status: 401, headers: { "www-authenticate": 'Basic realm="r"' } });
      if (url.pathname.startsWith("/v2/moved/")) return Response.redirect(`${registry.url}${url.pathname.replace("moved", "demo")}`, 307);
      return Response.redirect(`${storage.url}${url.pathname}`, 307);
    });
    const mayFollow = (url: URL) => url.origin === registry.url || url.origin === storage.url;
    const client = new RegistryClient({ baseUrl: registry.url, credentials: loginFor(registry.host), mayFollow });
    await client.getManifest("elsewhere/app", image.digest);
    expect(storage.requests.length).toBe(1);
    expect(storage.requests[0]!.authorization).toBeNull();
    await client.getManifest("moved/app", image.digest);
    expect(registry.requests.at(-1)!.path).toStartWith("/v2/demo/");
    expect(registry.requests.at(-1)!.authorization).toBe(basic);
  });

  test("a token realm that redirects is not followed", async () => {
    const elsewhere = fakeServer(() => Response.json({ token: "stolen" }));
    const server = fakeServer((_req, url) => {
      if (url.pathname === "/token") return Response.redirect(`${elsewhere.url}/token`, 302);
      return new Response(null, { status: 401, headers: { "www-authenticate": `Bearer realm="${server.url}/token"` } });
    });
    const client = new RegistryClient({ baseUrl: server.url, credentials: loginFor(server.host) });
    expect((await caught(client.getManifest("demo/app", image.digest))).kind).toBe("auth");
    expect(elsewhere.requests.length).toBe(0);
  });
});

describe("listing", () => {
  test("the catalog and tag lists are followed page by page through Link", async () => {
    const repos = Array.from({ length: 7 }, (_, i) => `repo${i}`);
    const server = fakeServer((_req, url) => {
      const n = Number(url.searchParams.get("n"));
      const last = url.searchParams.get("last");
      if (url.pathname === "/v2/_catalog") {
        const from = last ? repos.indexOf(last) + 1 : 0;
        const page = repos.slice(from, from + n);
        const more = from + n < repos.length;
        return Response.json(
          { repositories: page },
          { headers: more ? { link: `</v2/_catalog?last=${page.at(-1)}&n=${n}>; rel="next"` } : {} },
        );
      }
      if (url.pathname === "/v2/repo1/tags/list") return Response.json({ name: "repo1", tags: ["a", "b"] });
      return Response.json({ errors: [{ code: "NAME_UNKNOWN" }] }, { status: 404 });
    });
    const client = new RegistryClient({ baseUrl: server.url });
    expect(await Array.fromAsync(client.catalog(3))).toEqual(repos);
    expect(server.requests.length).toBe(3);
    expect(await client.tags("repo1")).toEqual(["a", "b"]);
    expect(await client.tags("nope")).toEqual([]);
  });
});

describe("hostile answers", () => {
  test("a redirect target's challenge is not answered with the registry's credentials", async () => {
    const realm = fakeServer(() => Response.json({ token: "t" }));
    const other = fakeServer(
      () => new Response(null, { status: 401, headers: { "www-authenticate": `Bearer realm="${realm.url}/token"` } }),
    );
    const registry = fakeServer((_req, url) => Response.redirect(`${other.url}${url.pathname}`, 307));
    const client = new RegistryClient({ baseUrl: registry.url, credentials: loginFor(registry.host), mayFollow: () => true });
    const error = await caught(client.getManifest("demo/app", image.digest));
    expect(error.status).toBe(401);
    expect(realm.requests.length).toBe(0);
    expect(other.requests.every((r) => r.authorization === null)).toBe(true);
  });

  test("a manifest larger than 4 MiB is refused without being held whole", async () => {
    const chunk = new Uint8Array(1024 * 1024);
    let sent = 0;
    const server = fakeServer(() => {
      const body = new ReadableStream({
        pull(controller) {
          if (sent++ < 100) controller.enqueue(chunk);
          else controller.close();
        },
      });
      return new Response(body, { headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" } });
    });
    const error = await caught(new RegistryClient({ baseUrl: server.url }).getManifest("demo/app", image.digest));
    expect([error.kind, error.permanent]).toEqual(["invalid", true]);
    // of the 100 MiB offered, only what the 4 MiB cap and the socket's buffers took was ever produced
    expect(sent).toBeLessThan(20);
  });
});
