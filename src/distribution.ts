import * as v from "valibot";

// The vocabulary of Distribution and OCI, once, below the webhook, the ingest and the registry client:
// names and digests, media types, descriptors, the notification event and its actions.

export const mediaTypes = {
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  schema1: "application/vnd.docker.distribution.manifest.v1+json",
  schema1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
  ociArtifact: "application/vnd.oci.artifact.manifest.v1+json",
} as const;

export const manifestMediaTypes: ReadonlySet<string> = new Set(Object.values(mediaTypes));

/** What the registry client asks for: every manifest type it can read (the OCI artifact manifest is not one). */
export const MANIFEST_ACCEPT = Object.values(mediaTypes)
  .filter((t) => t !== mediaTypes.ociArtifact)
  .join(", ");

/** The media type a 2.8 registry gives a blob in its events. */
export const BLOB_MEDIA_TYPE = "application/octet-stream";

/** A content descriptor as regstat stores it. */
export type Descriptor = { digest: string; media_type: string | null; size: number | null };
/** What a manifest references: blobs (config and layers), or the child manifests of a list or index. */
export type References = { blobs: Descriptor[]; children: Descriptor[] };

/** Splits the descriptors an event lists into blobs and child manifests, by their media type. */
export function splitReferences(descriptors: Descriptor[]): References {
  const out: References = { blobs: [], children: [] };
  for (const d of descriptors) (d.media_type && manifestMediaTypes.has(d.media_type) ? out.children : out.blobs).push(d);
  return out;
}

export const actions = ["push", "pull", "mount", "delete"] as const;
export type Action = (typeof actions)[number];
export const isAction = (s: string): s is Action => (actions as readonly string[]).includes(s);

// What Distribution sends (see shared/fixtures). Unknown fields are ignored; every field is bounded so
// no envelope can make regstat store unbounded text.
const bounded = (max: number) => v.pipe(v.string(), v.maxLength(max, `longer than ${max} characters`));
const name = (max: number, pattern: RegExp, what: string) =>
  v.pipe(v.string(), v.maxLength(max, `longer than ${max} characters`), v.regex(pattern, `not a valid ${what}`));

export const digest = name(256, /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, "digest");
const repository = name(256, /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/, "repository name");
const tag = name(128, /^\w[\w.-]*$/, "tag");
const size = v.pipe(v.number(), v.integer("not a whole number"), v.minValue(0, "negative"), v.maxValue(Number.MAX_SAFE_INTEGER));

/**
 * Registry v3 embeds the OCI descriptor in the target, whose mediaType, digest and size are always sent:
 * a delete has "mediaType": "", a tag delete "digest": "" too. Empty is absent, as 2.8 says by omitting it.
 */
const unlessEmpty = <S extends v.GenericSchema<string, string>>(schema: S) =>
  v.optional(
    v.pipe(
      v.string(),
      v.transform((s) => s || undefined),
      v.optional(schema),
    ),
  );

export const Reference = v.object({
  mediaType: v.optional(bounded(256)),
  size: v.optional(size),
  digest,
});

export const Event = v.object({
  // Stored as given and compared after the insert, so it must survive PostgreSQL text unchanged.
  id: v.pipe(
    bounded(256),
    v.check((s) => s.isWellFormed() && !s.includes("\0"), "not a valid event id"),
  ),
  timestamp: v.pipe(v.string(), v.isoTimestamp("not an ISO 8601 timestamp")),
  action: bounded(32),
  target: v.object({
    mediaType: unlessEmpty(bounded(256)),
    size: v.optional(size),
    digest: unlessEmpty(digest),
    repository,
    url: v.optional(bounded(2048)),
    tag: v.optional(tag),
    fromRepository: v.optional(repository),
    references: v.optional(v.pipe(v.array(Reference), v.maxLength(10_000, "too many references"))),
  }),
  request: v.optional(
    v.object({
      id: v.optional(bounded(256)),
      addr: v.optional(bounded(256)),
      host: v.optional(bounded(256)),
      method: v.optional(bounded(16)),
      useragent: v.optional(
        v.pipe(
          v.string(),
          v.transform((s) => s.slice(0, 512)),
        ),
      ),
    }),
  ),
  actor: v.optional(v.object({ name: v.optional(bounded(256)) })),
  source: v.optional(v.object({ addr: v.optional(bounded(256)), instanceID: v.optional(bounded(256)) })),
});
export type Event = v.InferOutput<typeof Event>;

export const Envelope = v.object(
  { events: v.array(v.unknown(), "events must be an array") },
  "the body must be a JSON object with an events array",
);

/** "target.digest: not a valid digest", for the dead-letter reason and the 400 answer. */
export function describeIssues(issues: v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path?.map((p) => String(p.key)).join(".");
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}
