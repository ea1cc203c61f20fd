import { expect, test } from "bun:test";
import { registryNames } from "../../src/equiv-registries.ts";
import { createLogger } from "../../src/log.ts";
import { createPolicy } from "../../src/registry/policy.ts";

const names = registryNames({ "registry.example.com": ["reg.internal:5000"] });

test("only configured registries are called back, at the operator's scheme", () => {
  const policy = createPolicy({
    registryUrls: ["https://registry.example.com"],
    credentialKeys: ["https://creds.example.com/v1/", "plain.example.com:5000", "http://insecure.example.com:5000"],
    equiv: { "registry.example.com": ["reg.internal:5000"] },
    names,
  });
  const at = (url: string | null, registry = "x") => policy.originFor({ registry, url });
  expect(at("http://registry.example.com/v2/a/manifests/sha256:1")).toBe("https://registry.example.com");
  expect(at("https://creds.example.com:443/v2/a/manifests/sha256:1")).toBe("https://creds.example.com");
  // Named without a scheme: https, whatever the event says.
  expect(at("http://reg.internal:5000/v2/a/manifests/sha256:1")).toBe("https://reg.internal:5000");
  expect(at("http://plain.example.com:5000/v2/a/manifests/sha256:1")).toBe("https://plain.example.com:5000");
  expect(at("https://insecure.example.com:5000/v2/a/manifests/sha256:1")).toBe("http://insecure.example.com:5000");
  expect(at("http://evil.example.com/v2/a/manifests/sha256:1")).toBeUndefined();
  expect(at("file:///etc/passwd")).toBeUndefined();
  expect(at(null, "registry.example.com")).toBe("https://registry.example.com");
  expect(at(null, "unknown")).toBeUndefined();
  expect(policy.closed).toBe(false);
  // As events name them, for the metrics that always keep these registries' series.
  expect(policy.registries.sort()).toEqual([
    "creds.example.com",
    "insecure.example.com:5000",
    "plain.example.com:5000",
    "registry.example.com",
  ]);
});

test("redirects may go to a named host, over http only where the operator wrote http", () => {
  const policy = createPolicy({
    registryUrls: ["https://registry.example.com", "http://lab.example.com:5000"],
    credentialKeys: ["creds.example.com"],
    names,
  });
  const allows = (url: string) => policy.allows(new URL(url));
  expect(allows("https://registry.example.com/v2/")).toBe(true);
  expect(allows("https://creds.example.com/v2/")).toBe(true);
  expect(allows("http://lab.example.com:5000/v2/")).toBe(true);
  expect(allows("https://lab.example.com:5000/v2/")).toBe(true);
  expect(allows("http://registry.example.com/v2/")).toBe(false);
  expect(allows("http://creds.example.com/v2/")).toBe(false);
  expect(allows("https://169.254.169.254/latest/meta-data/")).toBe(false);
  expect(allows("file:///etc/passwd")).toBe(false);
});

test("with nothing configured nothing is called back, and a warning says what to set", () => {
  const lines: string[] = [];
  const policy = createPolicy({ registryUrls: [], names, log: createLogger({ sink: (l) => lines.push(l), json: true }) });
  expect(policy.closed).toBe(true);
  expect(policy.originFor({ registry: "x", url: "http://anywhere:5000/v2/a/manifests/d" })).toBeUndefined();
  expect(policy.allows(new URL("http://anywhere:5000/v2/"))).toBe(false);
  expect(lines.length).toBe(1);
  expect(JSON.parse(lines[0]!)).toMatchObject({ level: "warn" });
  expect(JSON.parse(lines[0]!).msg).toContain("--registry-url");
});
