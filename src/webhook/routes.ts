import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import * as v from "valibot";
import { isTransient } from "../db/db.ts";
import { beforeDeadline } from "../deadline.ts";
import { describeIssues, Envelope } from "../distribution.ts";
import { AppError, badRequest } from "../errors.ts";
import type { Ingestor, Outcome } from "../ingest/ingestor.ts";
import { normalizeEvents, type Rules } from "../ingest/normalize.ts";
import { concurrencyGate, readBody } from "../security/limits.ts";

/** A registry sends one notification at a time per endpoint: only a flood, or many registries, reach this. */
const MAX_IN_FLIGHT = 256;

export type WebhookOptions = {
  ingestor: Ingestor;
  rules: Rules;
  bodyLimit: number;
  maxEvents: number;
  /** past this the registry is told 503 and retries; a redelivery is harmless */
  dbTimeout: number;
  /** past this a body that has not all arrived is answered 408 */
  bodyTimeout: number;
  /** awaited before the answer: what it does is done once the registry hears 200 */
  onOutcome?: (outcome: Outcome) => void | Promise<void>;
};

const contentTypes = [
  "application/vnd.docker.distribution.events.v1+json",
  "application/vnd.docker.distribution.events.v2+json",
  "application/json",
];

/** Where the registry posts notifications: `/` (where the original listened) and `/events`. */
export const WEBHOOK_PATHS = ["/", "/events"];

/** The registry's notification endpoint, `POST` at each of WEBHOOK_PATHS. */
export function webhookRoutes(options: WebhookOptions) {
  const app = new Hono();
  const limit = bodyLimit({
    maxSize: options.bodyLimit,
    onError: () => {
      throw new AppError(413, "body_too_large", `the body is larger than ${options.bodyLimit} bytes`);
    },
  });

  const receive = async (body: string) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw badRequest("invalid_json", "the body is not JSON");
    }
    const envelope = v.safeParse(Envelope, parsed);
    if (!envelope.success) {
      throw badRequest("invalid_envelope", `not a notification envelope: ${describeIssues(envelope.issues)}`);
    }
    const { events } = envelope.output;
    if (events.length > options.maxEvents) {
      throw new AppError(413, "too_many_events", `the envelope holds ${events.length} events; the limit is ${options.maxEvents}`);
    }
    const deadline = AbortSignal.timeout(options.dbTimeout);
    const batch = normalizeEvents(events, options.rules);
    const outcome = await withDeadline(options.ingestor.submit(batch, deadline), deadline);
    await options.onOutcome?.(outcome);
    return { stored: outcome.stored, duplicates: outcome.duplicates, dead_lettered: outcome.deadLettered };
  };

  // Counts only deliveries whose body has arrived: connections that trickle or stall (slowloris) wait in
  // readBody, bounded by --body-timeout, and take no slot from the registry's own deliveries.
  const inFlight = concurrencyGate(MAX_IN_FLIGHT, { what: "notifications in flight" });
  for (const path of WEBHOOK_PATHS) {
    app.post(path, limit, async (c) => {
      const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      if (!contentTypes.includes(type)) {
        throw new AppError(415, "unsupported_media_type", `expected one of ${contentTypes.join(", ")}`);
      }
      const body = await readBody(() => c.req.text(), options.bodyTimeout);
      return c.json(await inFlight(() => receive(body)));
    });
  }
  return app;
}

async function withDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  try {
    return await beforeDeadline(work, signal, () => unavailable("the database did not answer in time"));
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (signal.aborted) throw unavailable("the database did not answer in time");
    if (isTransient(error)) throw unavailable("the database is unavailable");
    // Only an event's own fault (refusalCause) is answered 200, as dead letters; whatever else the database
    // said, the registry is told to retry: answering 200 would lose the events, 500 is not "try again".
    throw new AppError(503, "database_error", "the database could not store the events; retry later");
  }
}

const unavailable = (message: string) => new AppError(503, "database_unavailable", `${message}; retry later`);
