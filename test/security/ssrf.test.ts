import { afterAll, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Db } from "../../src/db/db.ts";
import { createLogger, silentLogger } from "../../src/log.ts";
import { fetchToken } from "../../src/registry/auth.ts";
import { RegistryClient } from "../../src/registry/client.ts";
import { createRegistryContext } from "../../src/registry/context.ts";
import { RegistryError } from "../../src/registry/errors.ts";
import { defaultTuning, runFetchRound } from "../../src/registry/fetch-worker.ts";
import { closedWarning } from "../../src/registry/policy.ts";
import { fakeServer, manifestResponse, schema2 } from "../registry/fake-registry.ts";
import { testApp } from "../support/app.ts";
import { freshDb } from "../support/db.ts";
import { envelope, pushManifest } from "../support/events.ts";

setDefaultTimeout(30_000);

const image = schema2("ssrf");
const PASSWORD = "cl34r-t3xt-s3cret";
// Stand-ins for what an attacker would aim at: a cloud metadata endpoint, and a registry of their own.
const metadata = fakeServer(() => Response.json({ AccessKeyId: "AKIA-METADATA", Token: "metadata-token" }));
const attacker = fakeServer((req, url) => manifestResponse([image], url, req.method));
const untouched = () => [...metadata.requests, ...attacker.requests];

// The registry the operator names; each test sets how it answers.
let answer: (req: Request, url: URL) => Response = (req, url) => manifestResponse([image], url, req.method);
const registry = fakeServer((req, url) => answer(req, url));

const dir = mkdtempSync(join(tmpdir(), "regstat-ssrf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tuning = { ...defaultTuning, baseDelayMs: 60_000 };

let db: Db;
beforeEach(async () => {
  db = await freshDb();
  answer = (req, url) => manifestResponse([image], url, req.method);
});

/** A manifest push without references naming `url` as its target: what makes regstat fetch. */
async function forged(url: string, host = registry.host) {
  const event = pushManifest({ repository: "demo/app", digest: image.digest, mediaType: image.mediaType, host });
  event.target.url = url;
  expect((await testApp(db).post(envelope(event))).status).toBe(200);
}

async function fetchWith(settings: { registryUrl?: string[]; dockerConfig?: string; equivRegistries?: string }) {
  const lines: string[] = [];
  const log = createLogger({ sink: (l) => lines.push(l), json: true, level: "debug" });
  const context = await createRegistryContext({ registryUrl: [], dockerConfig: undefined, equivRegistries: undefined, ...settings }, log);
  const round = await runFetchRound({ db, registry: context, log }, tuning);
  return { round, lines };
}

const job = async () => (await db.query<{ state: string; last_error: string }>("select state, last_error from regstat.fetch_jobs"))[0]!;

describe("with no registry named (the default)", () => {
  test("no event makes regstat call anything, and start-up says what to set", async () => {
    for (const url of [
      `${metadata.url}/latest/meta-data/iam`,
      `${attacker.url}/v2/demo/app/manifests/${image.digest}`,
      "file:///etc/passwd",
    ]) {
      await db.exec("truncate regstat.fetch_jobs");
      await forged(url, attacker.host);
      const { round, lines } = await fetchWith({});
      expect(round).toMatchObject({ claimed: 1, failed: 1 });
      expect(lines.map((l) => JSON.parse(l).msg)).toContain(closedWarning);
    }
    expect(untouched()).toEqual([]);
  });
});

describe("with a registry named by --registry-url", () => {
  test("an event naming another host, or the named host's name with another port, is refused", async () => {
    const [, port] = registry.host.split(":");
    for (const url of [
      `${metadata.url}/latest/meta-data/`,
      `${attacker.url}/v2/demo/app/manifests/${image.digest}`,
      `http://localhost:${port}/v2/demo/app/manifests/${image.digest}`,
      `http://127.0.0.1:${metadata.host.split(":")[1]}/v2/demo/app/manifests/${image.digest}`,
    ]) {
      await db.exec("truncate regstat.fetch_jobs");
      await forged(url);
      const before = registry.requests.length;
      expect((await fetchWith({ registryUrl: [registry.url] })).round).toMatchObject({ failed: 1 });
      expect((await job()).last_error).toContain("--registry-url");
      expect(registry.requests.length).toBe(before);
    }
    expect(untouched()).toEqual([]);
  });

  test("a redirect to another host, or to another scheme, is not followed", async () => {
    for (const location of [
      `${metadata.url}/latest/meta-data/`,
      `${attacker.url}/v2/demo/app/manifests/${image.digest}`,
      "file:///etc/passwd",
    ]) {
      await db.exec("truncate regstat.fetch_jobs");
      answer = () => new Response(null, { status: 307, headers: { location } });
      await forged(`${registry.url}/v2/demo/app/manifests/${image.digest}`);
      expect((await fetchWith({ registryUrl: [registry.url] })).round).toMatchObject({ failed: 1 });
      expect((await job()).last_error).toContain("not a registry regstat may call");
    }
    expect(untouched()).toEqual([]);
  });

  test("a token realm that is a local file is never read, and nothing found in it is sent anywhere", async () => {
    const secret = join(dir, "token.json");
    writeFileSync(secret, JSON.stringify({ access_token: "LOCAL-SECRET", token: "LOCAL-SECRET" }));
    answer = () => new Response(null, { status: 401, headers: { "www-authenticate": `Bearer realm="file://${secret}",service="x"` } });
    await forged(`${registry.url}/v2/demo/app/manifests/${image.digest}`);
    const before = registry.requests.length;
    expect((await fetchWith({ registryUrl: [registry.url] })).round).toMatchObject({ failed: 1 });
    expect((await job()).last_error).toContain("token realm over file:");
    expect(JSON.stringify(registry.requests)).not.toContain("LOCAL-SECRET");
    expect(registry.requests.length).toBe(before + 1);
  });
});

describe("clear text", () => {
  test("a host the Docker config names without http:// is called over https, whatever the event says", async () => {
    const config = join(dir, "config.json");
    writeFileSync(config, JSON.stringify({ auths: { [attacker.host]: { auth: btoa(`alice:${PASSWORD}`) } } }));
    await forged(`${attacker.url}/v2/demo/app/manifests/${image.digest}`, attacker.host);
    const { round, lines } = await fetchWith({ dockerConfig: config });
    // The TLS handshake a plain-HTTP server cannot answer: retried later, and the server never saw a request.
    expect(round).toMatchObject({ retried: 1 });
    expect((await job()).last_error).toContain(`https://${attacker.host}`);
    expect(untouched()).toEqual([]);
    expect(lines.join("\n")).not.toContain(PASSWORD);
  });

  test("a token realm over http is refused for a registry named over https, before anything is sent", async () => {
    const realm = fakeServer(() => Response.json({ token: "t" }));
    const challenge = { scheme: "bearer", params: { realm: `${realm.url}/token`, service: "x" } };
    const credential = { username: "alice", password: PASSWORD };
    const refused = await fetchToken({
      registry: "https://registry.example.com",
      challenge,
      scope: undefined,
      credential,
      fetch,
      timeoutMs: 5_000,
    }).catch((e: RegistryError) => e);
    expect(refused).toBeInstanceOf(RegistryError);
    expect((refused as RegistryError).kind).toBe("refused");
    expect(realm.requests).toEqual([]);
    // A registry the operator named over plain http may have its realm over http.
    const token = await fetchToken({
      registry: "http://registry.example.com",
      challenge,
      scope: undefined,
      credential,
      fetch,
      timeoutMs: 5_000,
    });
    expect(token.value).toBe("t");
  });
});

describe("answers", () => {
  test("a token realm's answer is read up to 64 KiB, no further", async () => {
    const realm = fakeServer(() => new Response(`{"token":"${"x".repeat(1024 * 1024)}"}`));
    const server = fakeServer(
      () => new Response(null, { status: 401, headers: { "www-authenticate": `Bearer realm="${realm.url}/token"` } }),
    );
    const client = new RegistryClient({ baseUrl: server.url });
    const error = await client.getManifest("demo/app", image.digest).catch((e: RegistryError) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).message).toContain("answered without a token");
  });

  test("a blob the registry serves from storage elsewhere exists, and the storage is not called", async () => {
    answer = () => new Response(null, { status: 307, headers: { location: `${attacker.url}/blob` } });
    const context = await createRegistryContext(
      { registryUrl: [registry.url], dockerConfig: undefined, equivRegistries: undefined },
      silentLogger,
    );
    expect(await context.client(registry.url).hasBlob("demo/app", image.layer.digest)).toBe(true);
    expect(untouched()).toEqual([]);
  });
});
