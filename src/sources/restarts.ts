import type { Db } from "../db/db.ts";
import type { StoredEvent } from "../ingest/normalize.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { queries } from "../sql.ts";

export type Restart = { source_addr: string; instance_id: string; registry: string; first_event: Date };

/** Enough for every registry process a deployment has; past it the set starts again (and the database says what is new). */
const MAX_KNOWN = 10_000;

/**
 * Watches the registry processes behind the events. A source is one process, named by `source.addr`
 * (replicas serving one registry name each have their own); its `source.instanceID` changes at every
 * restart, and the events it had not delivered were lost with it. A new instance of a known process is
 * recorded (regstat.registry_instances, shown by the coverage report), counted in
 * regstat_registry_restarts_total, logged, and handed to `onRestart` (a sync of that registry).
 *
 * Runs after the events are committed, and costs nothing while the instances are the ones already seen.
 * Several regstat processes see the same new instance: the database's primary key lets one record it.
 */
export function watchRestarts(deps: { db: Db; log: Logger; metrics: Metrics; onRestart?: (registry: string) => void }) {
  const known = new Set<string>();
  return async function observe(events: StoredEvent[]) {
    const fresh = events.filter((e) => e.source_addr && e.source_instance && !known.has(key(e)));
    if (!fresh.length) return;
    try {
      const rows = fresh.map(({ source_addr, source_instance, registry, ts }) => ({ source_addr, source_instance, registry, ts }));
      const inserted = await deps.db.query<Restart & { restart: boolean }>(queries.recordRegistryInstances, [JSON.stringify(rows)]);
      if (known.size > MAX_KNOWN) known.clear();
      for (const e of fresh) known.add(key(e));
      for (const r of inserted.filter((row) => row.restart)) {
        deps.metrics.registryRestarts.inc({ registry: r.registry });
        deps.log.warn("registry restarted: the events it had not delivered are lost", {
          registry: r.registry,
          source: r.source_addr,
          instance: r.instance_id,
          since: r.first_event,
        });
        deps.onRestart?.(r.registry);
      }
    } catch (error) {
      // The events are stored; the next event of this instance tries again.
      deps.log.warn("could not record the registry's instance", { error: (error as Error).message });
    }
  };
}

const key = (e: StoredEvent) => `${e.source_addr}\n${e.source_instance}`;
