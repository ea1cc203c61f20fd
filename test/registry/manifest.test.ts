import { describe, expect, test } from "bun:test";
import { mediaTypes } from "../../src/distribution.ts";
import type { RegistryError } from "../../src/registry/errors.ts";
import { parseManifest } from "../../src/registry/manifest.ts";
import { ociIndex, schema2, sha256 } from "./fake-registry.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const parse = (text: string, contentType?: string, digest = sha256(text)) => parseManifest(bytes(text), contentType, digest);
const error = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e as RegistryError;
  }
  throw new Error("expected an error");
};

describe("manifests", () => {
  test("Docker schema2: config and layers, with media types and sizes", () => {
    const m = schema2();
    expect(parse(m.text)).toEqual({
      mediaType: mediaTypes.dockerManifest,
      children: [],
      blobs: [
        { digest: m.config.digest, media_type: m.config.mediaType, size: 100 },
        { digest: m.layer.digest, media_type: m.layer.mediaType, size: 2000 },
      ],
    });
  });

  test("OCI manifest without a mediaType field takes the Content-Type", () => {
    const config = { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256("c"), size: 2 };
    const text = JSON.stringify({ schemaVersion: 2, config, layers: [] });
    expect(parse(text, mediaTypes.ociManifest)).toMatchObject({ mediaType: mediaTypes.ociManifest, blobs: [{ digest: config.digest }] });
  });

  test("OCI index and Docker manifest list: children, no blobs", () => {
    const index = ociIndex([schema2("a"), schema2("b")]);
    expect(parse(index.text).children.map((c) => c.digest)).toEqual([schema2("a").digest, schema2("b").digest]);
    const list = index.text.replace(mediaTypes.ociIndex, mediaTypes.dockerList);
    expect(parse(list)).toMatchObject({ mediaType: mediaTypes.dockerList, blobs: [] });
  });

  test("schema1: fsLayers once each; a signed one is addressed by its payload", () => {
    const layers = [sha256("l1"), sha256("l2"), sha256("l1")].map((blobSum) => ({ blobSum }));
    const body = `{\n   "schemaVersion": 1,\n   "name": "a",\n   "fsLayers": ${JSON.stringify(layers)}`;
    const payload = `${body}\n}`;
    const tail = Buffer.from("\n}").toString("base64url");
    const protectedHeader = Buffer.from(JSON.stringify({ formatLength: body.length, formatTail: tail })).toString("base64url");
    const signed = `${body},\n   "signatures": [{"protected": "${protectedHeader}", "signature": "x"}]\n}`;
    const m = parse(signed, mediaTypes.schema1Signed, sha256(payload));
    expect(m.blobs.map((b) => b.digest)).toEqual([sha256("l1"), sha256("l2")]);
    expect(parse(payload, mediaTypes.schema1).mediaType).toBe(mediaTypes.schema1);
  });

  test("bytes that do not hash to the digest are refused", () => {
    const m = schema2();
    const e = error(() => parse(m.text, undefined, schema2("other").digest));
    expect([e.kind, e.permanent]).toEqual(["invalid", true]);
    expect(e.message).toContain(m.digest);
  });

  test("malformed manifests are refused, saying where", () => {
    expect(error(() => parse("{not json")).kind).toBe("invalid");
    const noLayers = JSON.stringify({ schemaVersion: 2, mediaType: mediaTypes.dockerManifest, config: schema2().config });
    expect(error(() => parse(noLayers)).message).toContain("layers");
    const badDigest = JSON.stringify({ schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests: [{ digest: "nope", size: 1 }] });
    expect(error(() => parse(badDigest)).message).toContain("manifests.0.digest");
  });
});
