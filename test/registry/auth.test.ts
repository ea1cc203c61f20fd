import { expect, test } from "bun:test";
import { parseChallenges, scopeFor } from "../../src/registry/auth.ts";

test("WWW-Authenticate challenges, quoted or not, one or several", () => {
  expect(
    parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull,push"'),
  ).toEqual([
    {
      scheme: "bearer",
      params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/alpine:pull,push" },
    },
  ]);
  expect(parseChallenges('Basic realm="Registry Realm", Bearer realm=https://a/token, service="s\\"x"')).toEqual([
    { scheme: "basic", params: { realm: "Registry Realm" } },
    { scheme: "bearer", params: { realm: "https://a/token", service: 's"x' } },
  ]);
  expect(parseChallenges("Negotiate")).toEqual([{ scheme: "negotiate", params: {} }]);
  expect(parseChallenges(null)).toEqual([]);
});

test("the scope a path needs", () => {
  expect(scopeFor("/v2/_catalog?n=100")).toBe("registry:catalog:*");
  expect(scopeFor("/v2/team/app/manifests/sha256:1")).toBe("repository:team/app:pull");
  expect(scopeFor("/v2/team/app/tags/list")).toBe("repository:team/app:pull");
  expect(scopeFor("/v2/")).toBeUndefined();
});
