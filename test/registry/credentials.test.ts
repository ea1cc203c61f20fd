import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDockerConfig, normalizeHost } from "../../src/registry/credentials.ts";

let dir: string;
const savedPath = process.env.PATH;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "regstat-creds-"));
  // A credential helper as the Docker CLI runs it: `get`, the server on stdin, JSON on stdout.
  writeFileSync(
    join(dir, "docker-credential-x"),
    `#!/bin/sh
read server
echo "$server" >> "${dir}/asked"
case "$server" in
  helped.example.com) echo '{"ServerURL":"helped.example.com","Username":"bob","Secret":"helper-s3cret"}' ;;
  https://index.docker.io/v1/) echo '{"Username":"hub","Secret":"hub-s3cret"}' ;;
  token.example.com) echo '{"Username":"<token>","Secret":"identity-s3cret"}' ;;
  broken.example.com) echo 'oops helper-leaks-s3cret' >&2; exit 3 ;;
  env.example.com) printf '{"Username":"env","Secret":"%s"}' "$(env | cut -d= -f1 | tr '\n' ' ')" ;;
  loud.example.com) head -c 1000000 /dev/zero | tr '\0' x ;;
  slow.example.com) sleep 60 & echo $! > "${dir}/slow-pid"; wait ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`,
  );
  chmodSync(join(dir, "docker-credential-x"), 0o755);
  process.env.PATH = `${dir}:${savedPath}`;
});
afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(dir, { recursive: true, force: true });
});

async function store(config: unknown) {
  const path = join(dir, `config-${Math.random()}.json`);
  writeFileSync(path, JSON.stringify(config));
  return loadDockerConfig(path);
}

describe("Docker config.json", () => {
  test("hosts match with and without scheme, path and default port; every Docker Hub alias is one", () => {
    expect(normalizeHost("https://Registry.Example.com:443/v1/")).toBe("registry.example.com");
    expect(normalizeHost("registry.example.com:5000")).toBe("registry.example.com:5000");
    expect(normalizeHost("http://localhost:80")).toBe("localhost");
    expect(normalizeHost("http://localhost:443")).toBe("localhost:443");
    expect(normalizeHost("https://index.docker.io/v1/")).toBe("docker.io");
    expect(normalizeHost("registry-1.docker.io")).toBe("docker.io");
  });

  test("auth (base64 user:password), username/password and identitytoken entries", async () => {
    const s = await store({
      auths: {
        "https://a.example.com/v1/": { auth: btoa("alice:pa:ss") },
        "b.example.com:5000": { username: "bea", password: "pw" },
        "c.example.com": { auth: btoa("carl:"), identitytoken: "idt" },
        "https://index.docker.io/v1/": { auth: btoa("hubuser:hubpw") },
      },
    });
    expect(await s.lookup("https://a.example.com:443")).toEqual({ username: "alice", password: "pa:ss" });
    expect(await s.lookup("http://b.example.com:5000/v2/")).toEqual({ username: "bea", password: "pw" });
    expect(await s.lookup("c.example.com")).toEqual({ username: "carl", identityToken: "idt" });
    expect(await s.lookup("https://registry-1.docker.io")).toEqual({ username: "hubuser", password: "hubpw" });
    expect(await s.lookup("b.example.com")).toBeUndefined();
    expect(s.keys.sort()).toEqual(["b.example.com:5000", "c.example.com", "https://a.example.com/v1/", "https://index.docker.io/v1/"]);
  });

  test("credHelpers and credsStore run docker-credential-<name> get with the server on stdin", async () => {
    const s = await store({
      auths: { "plain.example.com": {} },
      credHelpers: { "https://helped.example.com": "x", "token.example.com": "x" },
      credsStore: "x",
    });
    expect(await s.lookup("helped.example.com")).toEqual({ username: "bob", password: "helper-s3cret" });
    expect(await s.lookup("token.example.com")).toEqual({ identityToken: "identity-s3cret" });
    expect(await s.lookup("docker.io")).toEqual({ username: "hub", password: "hub-s3cret" });
    expect(await s.lookup("plain.example.com")).toBeUndefined();
    await s.lookup("helped.example.com");
    const asked = (await Bun.file(join(dir, "asked")).text()).trim().split("\n");
    expect(asked).toEqual(["helped.example.com", "token.example.com", "https://index.docker.io/v1/", "plain.example.com"]);
  });

  test("a failing helper is an error that does not repeat what it printed", async () => {
    const s = await store({ credHelpers: { "broken.example.com": "x", "gone.example.com": "missing" } });
    const error = await s.lookup("broken.example.com").catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain("docker-credential-x");
    expect((error as Error).message).not.toContain("s3cret");
    expect(((await s.lookup("gone.example.com").catch((e: Error) => e)) as Error).message).toContain("not on PATH");
  });

  test("a helper runs without regstat's tokens or the database password, and may not print without end", async () => {
    process.env.REGSTAT_WEBHOOK_TOKEN = "webhook-s3cret";
    process.env.PGPASSWORD = "pg-s3cret";
    try {
      const s = await store({ credHelpers: { "env.example.com": "x", "loud.example.com": "x" } });
      const seen = ((await s.lookup("env.example.com")) as { password: string }).password.split(" ");
      expect(seen).toContain("PATH");
      expect(seen).not.toContain("REGSTAT_WEBHOOK_TOKEN");
      expect(seen).not.toContain("PGPASSWORD");
      expect(((await s.lookup("loud.example.com").catch((e: Error) => e)) as Error).message).toContain("more than 65536 bytes");
    } finally {
      delete process.env.REGSTAT_WEBHOOK_TOKEN;
      delete process.env.PGPASSWORD;
    }
  });

  test("a helper that does not answer in time is killed, and its child still holding the pipes is not waited for", async () => {
    const path = join(dir, "config-slow.json");
    writeFileSync(path, JSON.stringify({ credHelpers: { "slow.example.com": "x" } }));
    const s = await loadDockerConfig(path, { helperTimeoutMs: 500 });
    const error = (await s.lookup("slow.example.com").catch((e: Error) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe("the credential helper docker-credential-x did not answer within 0.5 s");
    // The helper's `sleep 60`, which holds its stdout open, is still running: the answer did not wait for it.
    const sleeper = Number(readFileSync(join(dir, "slow-pid"), "utf8"));
    expect(() => process.kill(sleeper, 0)).not.toThrow();
    process.kill(sleeper, "SIGKILL");
  });

  test("an invalid file is refused with where, not what", async () => {
    const path = join(dir, "bad.json");
    writeFileSync(path, JSON.stringify({ auths: { "x.example.com": { password: 12345678 } } }));
    const error = (await loadDockerConfig(path).catch((e: Error) => e)) as Error;
    expect(error.message).toContain("auths.x.example.com.password");
    expect(error.message).not.toContain("12345678");
  });
});
