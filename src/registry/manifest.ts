import * as v from "valibot";
import { type Descriptor, digest, mediaTypes, type References } from "../distribution.ts";
import { RegistryError } from "./errors.ts";

/** A manifest's media type and what it references. */
export type ManifestRefs = References & { mediaType: string };

const DescriptorSchema = v.object({
  mediaType: v.optional(v.string()),
  digest,
  size: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
const ImageManifest = v.object({
  schemaVersion: v.literal(2),
  mediaType: v.optional(v.string()),
  config: DescriptorSchema,
  layers: v.array(DescriptorSchema),
});
const IndexManifest = v.object({
  schemaVersion: v.literal(2),
  mediaType: v.optional(v.string()),
  manifests: v.array(DescriptorSchema),
});
const Schema1 = v.object({
  schemaVersion: v.literal(1),
  fsLayers: v.array(v.object({ blobSum: digest })),
  signatures: v.optional(v.array(v.object({ protected: v.string() }))),
});
const Protected = v.object({ formatLength: v.number(), formatTail: v.string() });

const algorithms: Record<string, "sha256" | "sha384" | "sha512"> = { sha256: "sha256", sha384: "sha384", sha512: "sha512" };

export function digestOf(bytes: Uint8Array, algorithm = "sha256"): string {
  const name = algorithms[algorithm];
  if (!name) throw new RegistryError("invalid", `the digest algorithm ${algorithm} is not supported`);
  return `${algorithm}:${new Bun.CryptoHasher(name).update(bytes).digest("hex")}`;
}

/**
 * Checks that the bytes are the manifest `expected` names, then reads what it references.
 * The media type comes from the manifest itself, else the Content-Type, else its shape.
 */
export function parseManifest(bytes: Uint8Array, contentType: string | undefined, expected: string): ManifestRefs {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    verifyDigest(bytes, expected, undefined);
    throw new RegistryError("invalid", `the manifest ${expected} is not JSON`);
  }
  verifyDigest(bytes, expected, json);
  const declared =
    typeof json === "object" && json && "mediaType" in json && typeof json.mediaType === "string" ? json.mediaType : undefined;
  const schemaVersion = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  const kind = declared ?? contentType;

  if (schemaVersion === 1) {
    const m = read(Schema1, json, expected);
    // Schema 1 lists a layer once per history entry; the same blob often repeats.
    const blobs = [...new Set(m.fsLayers.map((l) => l.blobSum))].map((d) => ({ digest: d, media_type: null, size: null }));
    return { mediaType: kind === mediaTypes.schema1 ? kind : mediaTypes.schema1Signed, blobs, children: [] };
  }
  const isIndex =
    kind === mediaTypes.dockerList ||
    kind === mediaTypes.ociIndex ||
    (!isImageType(kind) && typeof json === "object" && json !== null && "manifests" in json);
  if (isIndex) {
    const m = read(IndexManifest, json, expected);
    return { mediaType: kind ?? mediaTypes.ociIndex, blobs: [], children: unique(m.manifests.map(descriptor)) };
  }
  const m = read(ImageManifest, json, expected);
  return { mediaType: kind ?? mediaTypes.ociManifest, blobs: unique([m.config, ...m.layers].map(descriptor)), children: [] };
}

const isImageType = (t: string | undefined) => t === mediaTypes.dockerManifest || t === mediaTypes.ociManifest;
const descriptor = (d: v.InferOutput<typeof DescriptorSchema>): Descriptor => ({
  digest: d.digest,
  media_type: d.mediaType ?? null,
  size: d.size,
});
const unique = (ds: Descriptor[]) => [...new Map(ds.map((d) => [d.digest, d])).values()];

function read<S extends v.GenericSchema>(schema: S, json: unknown, expected: string): v.InferOutput<S> {
  const result = v.safeParse(schema, json);
  if (result.success) return result.output;
  const where = result.issues[0].path?.map((p) => String(p.key)).join(".") || "(top)";
  throw new RegistryError("invalid", `the manifest ${expected} is malformed at ${where}: ${result.issues[0].message}`);
}

function verifyDigest(bytes: Uint8Array, expected: string, json: unknown) {
  const algorithm = expected.split(":")[0]!;
  const actual = digestOf(bytes, algorithm);
  if (actual === expected) return;
  // A signed schema 1 manifest is addressed by its payload without the signatures.
  const payload = schema1Payload(bytes, json);
  if (payload && digestOf(payload, algorithm) === expected) return;
  throw new RegistryError("invalid", `the registry's bytes hash to ${actual}, not to ${expected}`);
}

function schema1Payload(bytes: Uint8Array, json: unknown): Uint8Array | undefined {
  const signed = v.safeParse(Schema1, json);
  const header = signed.success ? signed.output.signatures?.[0]?.protected : undefined;
  if (!header) return undefined;
  try {
    const p = v.parse(Protected, JSON.parse(Buffer.from(header, "base64url").toString("utf8")));
    const tail = Buffer.from(p.formatTail, "base64url");
    return Buffer.concat([bytes.subarray(0, p.formatLength), tail]);
  } catch {
    return undefined;
  }
}
