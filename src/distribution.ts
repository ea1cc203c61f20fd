import * as v from "valibot";

// What Distribution sends (see shared/fixtures). Unknown fields are ignored; every field is bounded so
// no envelope can make regstat store unbounded text.
const bounded = (max: number) => v.pipe(v.string(), v.maxLength(max, `longer than ${max} characters`));
const name = (max: number, pattern: RegExp, what: string) =>
  v.pipe(v.string(), v.maxLength(max, `longer than ${max} characters`), v.regex(pattern, `not a valid ${what}`));

const digest = name(256, /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, "digest");
const repository = name(256, /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/, "repository name");
const tag = name(128, /^\w[\w.-]*$/, "tag");
const size = v.pipe(v.number(), v.integer("not a whole number"), v.minValue(0, "negative"), v.maxValue(Number.MAX_SAFE_INTEGER));

/**
 * Registry v3 embeds the OCI descriptor in the target, whose mediaType, digest and size are always sent:
 * a delete has "mediaType": "", a tag delete "digest": "" too. Empty is absent, as 2.8 says by omitting it.
 */
const unlessEmpty = <S extends v.GenericSchema<string, string>>(schema: S) =>
  v.optional(v.pipe(v.string(), v.transform((s) => s || undefined), v.optional(schema)));

export const Reference = v.object({
  mediaType: v.optional(bounded(256)),
  size: v.optional(size),
  digest,
});

export const Event = v.object({
  // Stored as given and compared after the insert, so it must survive PostgreSQL text unchanged.
  id: v.pipe(bounded(256), v.check((s) => s.isWellFormed() && !s.includes("\0"), "not a valid event id")),
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
      useragent: v.optional(v.pipe(v.string(), v.transform((s) => s.slice(0, 512)))),
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
