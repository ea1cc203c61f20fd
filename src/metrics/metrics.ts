import type { Outcome } from "../ingest/group-commit.ts";
import type { Normalized } from "../ingest/normalize.ts";
import { Counter, Gauge, Histogram, renderAll } from "./prometheus.ts";

const knownActions = new Set(["push", "pull", "mount", "delete"]);

/** What regstat counts while it runs; one per process, rendered by GET /metrics. */
export function createMetrics() {
  const events = new Counter(
    "regstat_events_total",
    "Notification events received, by action and outcome (stored, duplicate, dead_lettered).",
  );
  const rejected = new Counter(
    "regstat_webhook_rejected_total",
    "Notification envelopes refused, by error code; the registry sends a refused envelope again.",
  );
  const webhookSeconds = new Histogram(
    "regstat_webhook_duration_seconds",
    "Time to answer a notification envelope.",
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  );
  const requests = new Counter("regstat_http_requests_total", "HTTP requests answered, by route and status.");
  const databaseErrors = new Counter("regstat_database_errors_total", "Database operations that failed, by operation.");
  const databaseUp = new Gauge("regstat_database_up", "1 if the database answered this scrape, else 0.");
  const lastEvent = new Gauge(
    "regstat_last_event_timestamp_seconds",
    "When this process last received an event from the registry (Unix time), by registry.",
  );
  const fetchJobs = new Gauge(
    "regstat_fetch_jobs",
    "Background manifest fetches by state: pending (never tried), retrying (failed before, will retry), failed (given up).",
  );
  const deadLetters = new Counter(
    "regstat_dead_letters_total",
    "Events kept as dead letters, by cause: event (not interpretable), data (a value the database cannot hold), schema (refused by a constraint of regstat's own schema: a regstat bug, replay them once fixed).",
  );
  const pruned = new Counter("regstat_retention_pruned_total", "Rows removed by retention, by table.");
  const families = [events, deadLetters, rejected, webhookSeconds, requests, databaseErrors, databaseUp, lastEvent, fetchJobs, pruned];

  return {
    events,
    deadLetters,
    rejected,
    webhookSeconds,
    requests,
    databaseErrors,
    databaseUp,
    lastEvent,
    fetchJobs,
    pruned,

    /** Counts each event of an accepted envelope by what became of it. */
    recordOutcome(outcome: Outcome, batch: Normalized) {
      const now = Date.now() / 1000;
      const fresh = new Set(outcome.storedIds);
      // When the database refused the whole envelope its events were all dead-lettered.
      const allDead = outcome.refused !== undefined;
      if (batch.dead.length) deadLetters.inc({ cause: "event" }, batch.dead.length);
      if (outcome.refused && batch.events.length) deadLetters.inc({ cause: outcome.refused }, batch.events.length);
      for (const e of batch.events) {
        const result = allDead ? "dead_lettered" : fresh.delete(e.id) ? "stored" : "duplicate";
        events.inc({ action: e.action, outcome: result });
        lastEvent.set({ registry: e.registry }, now);
      }
      for (const d of batch.dead) {
        const action = (d.event as { action?: unknown } | null)?.action;
        events.inc({ action: typeof action === "string" && knownActions.has(action) ? action : "other", outcome: "dead_lettered" });
      }
    },

    render: () => renderAll(families),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
