import { expect, test } from "bun:test";
import { registryNames } from "../../src/equiv-registries.ts";
import { createLogger } from "../../src/log.ts";
import { createPolicy } from "../../src/registry/policy.ts";

const names = registryNames({ "registry.example.com": ["reg.internal:5000"] });

test("only configured registries are called back, at the operator's scheme", () => {
  const policy = createPolicy({
    registryUrls: ["https://registry.example.com"],
    credentialHosts: ["https://creds.example.com/v1/"],
    equiv: { "registry.example.com": ["reg.internal:5000"] },
    names,
  });
  const at = (url: string | null, registry = "x") => policy.originFor({ registry, url });
  expect(at("http://registry.example.com/v2/a/manifests/sha256:1")).toBe("https://registry.example.com");
  expect(at("https://creds.example.com:443/v2/a/manifests/sha256:1")).toBe("https://creds.example.com");
  expect(at("http://reg.internal:5000/v2/a/manifests/sha256:1")).toBe("http://reg.internal:5000");
  expect(at("http://evil.example.com/v2/a/manifests/sha256:1")).toBeUndefined();
  expect(at("file:///etc/passwd")).toBeUndefined();
  expect(at(null, "registry.example.com")).toBe("https://registry.example.com");
  expect(at(null, "unknown")).toBeUndefined();
  expect(policy.open).toBe(false);
});

test("with nothing configured every registry is allowed, and a warning says so", () => {
  const lines: string[] = [];
  const policy = createPolicy({ registryUrls: [], names, log: createLogger({ sink: (l) => lines.push(l), json: true }) });
  expect(policy.originFor({ registry: "x", url: "http://anywhere:5000/v2/a/manifests/d" })).toBe("http://anywhere:5000");
  expect(lines.length).toBe(1);
  expect(JSON.parse(lines[0]!).level).toBe("warn");
});
