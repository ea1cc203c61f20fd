import { Counter, Gauge, Histogram, renderAll } from "./prometheus.ts";
import type { RegistryState } from "./registry-state.ts";

/**
 * What regstat counts while it runs; one per process, rendered by GET /metrics. `namedRegistries`: the
 * registries the operator named, whose series are always kept whatever a flood of forged hosts fills.
 */
export function createMetrics(options: { namedRegistries?: Iterable<string> } = {}) {
  const named = new Set(options.namedRegistries ?? []);
  const reserved = (labels: Record<string, string>) => labels.registry !== undefined && named.has(labels.registry);
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
  const databaseErrors = new Counter(
    "regstat_database_errors_total",
    "Database operations that failed, by kind: conflict (a serialization failure or deadlock, retried), unavailable (the database away " +
      "or too slow), other.",
  );
  const databaseUp = new Gauge("regstat_database_up", "1 if the database answered this scrape, else 0.");
  const lastEvent = new Gauge(
    "regstat_last_event_timestamp_seconds",
    "When this process last received an event from the registry (Unix time), by registry.",
    { reserved, evictStalest: true },
  );
  const fetchJobs = new Gauge(
    "regstat_fetch_jobs",
    "Background manifest fetches by state: pending (never tried), retrying (failed before, will retry), failed (given up).",
  );
  const deadLetters = new Counter(
    "regstat_dead_letters_total",
    "Events kept as dead letters, by cause: event (not interpretable), data (a value the database cannot hold), schema (refused by a " +
      "constraint of regstat's own schema: a regstat bug, replay them once fixed).",
  );
  const pruned = new Counter("regstat_retention_pruned_total", "Rows removed by retention, by table.");
  const clockAhead = new Counter(
    "regstat_events_clock_ahead_total",
    "Events stored at their receipt time because their own was more than 5 minutes later (the registry's clock runs ahead, or a forgery).",
  );
  // The registry's contents, as the storage and registries reports answer them at scrape time.
  const storageBytes = new Gauge(
    "regstat_storage_bytes",
    "Bytes the registry holds, as the storage report answers them, by kind: deduplicated (each blob and manifest once), summed (every " +
      "tagged image alone), orphaned (blobs no live manifest references), untagged (manifests no tag reaches and the blobs only they " +
      "use).",
  );
  const repositories = new Gauge("regstat_registry_repositories", "Repositories holding a live manifest, by registry.", { reserved });
  const images = new Gauge("regstat_registry_images", "Distinct manifests live tags point at, by registry.", { reserved });
  const tags = new Gauge("regstat_registry_tags", "Live tags, by registry.", { reserved });
  const staleTags = new Gauge(
    "regstat_registry_tags_not_pulled",
    "Live tags not pulled (GET) for `days` days, a never-pulled tag counted from its push (the not-pulled report's rows), by registry.",
    { reserved },
  );
  const registryRestarts = new Counter(
    "regstat_registry_restarts_total",
    "Registry processes seen with a new instance id, by registry: each restart lost the events it had not delivered.",
    reserved,
  );
  const repositoryBytes = new Gauge(
    "regstat_repository_bytes",
    "Bytes of the largest repositories (deduplicated within each; the largest-repositories report), a bounded number of them, by " +
      "registry and repository.",
  );
  const state = [storageBytes, repositories, images, tags, staleTags, repositoryBytes];
  // what the rest of regstat counts; the registry's contents are set only by recordRegistryState
  const counted = {
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
    clockAhead,
    registryRestarts,
  };
  const families = [...Object.values(counted), ...state];

  return {
    namedRegistries: [...named],
    ...counted,

    /** Replaces the figures of the registry's contents with those read at this scrape (none: the database did not answer). */
    recordRegistryState(read: RegistryState | undefined) {
      for (const gauge of state) gauge.clear();
      if (!read) return;
      for (const kind of ["deduplicated", "summed", "orphaned", "untagged"]) {
        const bytes = read.storage[`${kind}_bytes`];
        if (typeof bytes === "number") storageBytes.set({ kind }, bytes);
      }
      for (const row of read.largest)
        repositoryBytes.set({ registry: String(row.registry), repository: String(row.repository) }, row.bytes as number);
      for (const row of read.registries) {
        const registry = String(row.registry);
        repositories.set({ registry }, row.repositories as number);
        images.set({ registry }, row.images as number);
        tags.set({ registry }, row.tags as number);
        const stale = read.stale.get(registry);
        staleTags.set({ registry, days: "30" }, stale?.not_pulled_30d ?? 0);
        staleTags.set({ registry, days: "90" }, stale?.not_pulled_90d ?? 0);
      }
    },

    render: () => renderAll(families),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
