import { expect } from "bun:test";
import { join } from "node:path";

/** A self-signed certificate for 127.0.0.1, valid for a day, written as cert.pem and key.pem in `dir`. */
export function selfSignedCertificate(dir: string) {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  const subject = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"];
  const made = Bun.spawnSync(
    ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", ...subject, "-keyout", key, "-out", cert],
    {
      stderr: "pipe",
    },
  );
  expect(made.exitCode).toBe(0);
  return { cert, key };
}
