import * as v from "valibot";
import { type Action, BLOB_MEDIA_TYPE, type Descriptor, describeIssues, Event, isAction, manifestMediaTypes } from "../distribution.ts";
import type { RegistryNames } from "../equiv-registries.ts";
import type { PullCounting, Uncounted } from "./counted-pulls.ts";
import { type DeadLetter, deadLetter } from "./dead-letter.ts";

/** An event as regstat stores it: one row of regstat.events. */
export type StoredEvent = {
  id: string;
  /** when it happened: the event's own time, or its receipt time when that ran too far ahead (clamped_from) */
  ts: string;
  /** the event's own time when it was more than MAX_CLOCK_AHEAD_MS after its receipt, else null */
  clamped_from: string | null;
  action: Action;
  /** null for a delete by digest: the database decides whether it names a manifest or a blob */
  kind: "manifest" | "blob" | "tag" | null;
  registry: string;
  repository: string;
  digest: string | null;
  tag: string | null;
  media_type: string | null;
  size: number | null;
  method: string | null;
  from_repository: string | null;
  /** what the registry said the manifest references; null when it did not say */
  refs: Descriptor[] | null;
  url: string | null;
  actor: string | null;
  user_agent: string | null;
  /** a pull logged but not counted, and why */
  uncounted: Uncounted;
  source_addr: string | null;
  source_instance: string | null;
  request_id: string | null;
};

/** `raw`: each stored event as the registry sent it, by id, for a dead letter should the database refuse it. */
export type Normalized = { events: StoredEvent[]; dead: DeadLetter[]; raw: Map<string, unknown> };

/** What decides how an event is read, besides the event itself. */
export type Rules = { names: RegistryNames; pulls: PullCounting };

/**
 * How far an event's time may run ahead of its receipt (clocks drift; Kerberos allows 5 minutes too). The
 * registry sends an event after it happened, never before: a later time is a wrong clock or a forgery, and
 * taken as given it would never be pruned and would keep a tag "pulled" for years. Such an event is stored
 * at its receipt time, its own time kept in clamped_from.
 */
export const MAX_CLOCK_AHEAD_MS = 5 * 60_000;

/** `receivedAt`: when regstat received the events (now; a replayed dead letter is received again). */
export function normalizeEvents(raw: unknown[], rules: Rules, receivedAt = Date.now()): Normalized {
  const out: Normalized = { events: [], dead: [], raw: new Map() };
  for (const item of raw) {
    const result = normalizeEvent(item, rules, receivedAt);
    if ("reason" in result) out.dead.push(result);
    else {
      out.events.push(result);
      out.raw.set(result.id, item);
    }
  }
  return out;
}

export function normalizeEvent(raw: unknown, { names, pulls }: Rules, receivedAt = Date.now()): StoredEvent | DeadLetter {
  const parsed = v.safeParse(Event, raw);
  if (!parsed.success) return deadLetter(raw, describeIssues(parsed.issues));
  const e = parsed.output;
  const t = e.target;
  if (!isAction(e.action)) return deadLetter(raw, `unknown action "${e.action}"`);

  let kind: StoredEvent["kind"];
  if (e.action === "delete") {
    if (t.digest) kind = null;
    else if (t.tag) kind = "tag";
    else return deadLetter(raw, "a delete must name a digest or a tag");
  } else {
    if (!t.digest) return deadLetter(raw, `a ${e.action} event must name a digest`);
    kind = e.action === "mount" ? "blob" : kindOf(t.mediaType, t.url);
    if (!kind) return deadLetter(raw, `unknown media type "${t.mediaType ?? ""}"`);
  }

  const ahead = Date.parse(e.timestamp) > receivedAt + MAX_CLOCK_AHEAD_MS;
  return {
    id: e.id,
    ts: ahead ? new Date(receivedAt).toISOString() : e.timestamp,
    clamped_from: ahead ? e.timestamp : null,
    action: e.action,
    kind,
    registry: names(e.request?.host || hostOf(t.url) || "unknown"),
    repository: t.repository,
    digest: t.digest ?? null,
    tag: t.tag ?? null,
    media_type: kind === "manifest" ? (t.mediaType ?? null) : null,
    // v3 says "size": 0 for a delete, 2.8 nothing: a delete has no size.
    size: e.action === "delete" ? null : (t.size ?? null),
    method: e.request?.method?.toUpperCase() ?? null,
    from_repository: t.fromRepository ?? null,
    refs:
      kind === "manifest" && t.references
        ? t.references.map((r) => ({ digest: r.digest, media_type: r.mediaType ?? null, size: r.size ?? null }))
        : null,
    url: t.url ?? null,
    actor: e.actor?.name || null,
    user_agent: e.request?.useragent || null,
    uncounted: e.action === "pull" ? pulls(e.request?.useragent || null) : null,
    source_addr: e.source?.addr || null,
    source_instance: e.source?.instanceID || null,
    request_id: e.request?.id || null,
  };
}

function kindOf(mediaType: string | undefined, url: string | undefined): "manifest" | "blob" | null {
  if (mediaType && manifestMediaTypes.has(mediaType)) return "manifest";
  if (mediaType === BLOB_MEDIA_TYPE) return "blob";
  if (url?.includes("/blobs/")) return "blob";
  return null;
}

function hostOf(url: string | undefined) {
  if (!url) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}
