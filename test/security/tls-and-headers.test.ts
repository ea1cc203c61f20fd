import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/log.ts";
import { type Running, startServer } from "../../src/server.ts";
import { selfSignedCertificate } from "../support/certificate.ts";

const dir = mkdtempSync(join(tmpdir(), "regstat-tls-"));
let server: Running;

beforeAll(async () => {
  const { cert, key } = selfSignedCertificate(dir);
  const { config } = parseConfig(
    ["--host", "127.0.0.1", "--port", "0", "--data-dir", join(dir, "data"), "--tls-cert", cert, "--tls-key", key],
    {},
  );
  server = await startServer(config, silentLogger);
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("--tls-cert and --tls-key serve HTTPS, verified against the certificate", async () => {
  expect(server.url.protocol).toBe("https:");
  const ca = readFileSync(join(dir, "cert.pem"), "utf8");
  const res = await fetch(new URL("/readyz", server.url), { tls: { ca } });
  expect(res.status).toBe(200);
  // Plain HTTP on the same port gets no answer from regstat.
  const plain = await fetch(`http://127.0.0.1:${server.url.port}/healthz`).then(
    (r) => r.status,
    () => "refused",
  );
  expect(plain).not.toBe(200);
});

test("headers larger than the server's limit are refused before regstat reads anything", async () => {
  const ca = readFileSync(join(dir, "cert.pem"), "utf8");
  const res = await fetch(new URL("/healthz", server.url), { tls: { ca }, headers: { "x-padding": "x".repeat(64 * 1024) } });
  expect(res.status).toBe(431);
});
