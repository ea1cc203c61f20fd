import type { Db } from "../db/db.ts";
import type { Logger } from "../log.ts";
import { queries } from "../sql.ts";

// Shared by every regstat process on the database ("reps"): one of them refreshes at a time.
const SNAPSHOT_LOCK = 0x7265_7073;
const BUSY_POLL_MS = 250;

export type Refresh = { refreshed: boolean; tookMs?: number };

/**
 * Recomputes the report snapshots (migration 5: storage, orphaned blobs, missing blobs) in one
 * transaction, when they are older than `olderThanMs` (0: always). When another process is refreshing,
 * `wait` waits for it and looks again (its snapshot may predate what the caller just stored); otherwise
 * this call gives way. Readers keep reading the previous snapshot meanwhile.
 */
export async function refreshReportSnapshots(db: Db, options: { olderThanMs?: number; wait?: boolean } = {}): Promise<Refresh> {
  const { olderThanMs = 0, wait = true } = options;
  for (;;) {
    const outcome = await db.transaction(async (tx): Promise<Refresh | "busy"> => {
      // the three views from one snapshot of the registry, so storage and missing-blobs agree
      await tx.query("set transaction isolation level repeatable read");
      const [claim] = await tx.query<{ locked: boolean; age_ms: number }>(queries.reportSnapshotClaim, [SNAPSHOT_LOCK]);
      if (!claim?.locked) return "busy";
      if (olderThanMs > 0 && claim.age_ms < olderThanMs) return { refreshed: false };
      const started = performance.now();
      await tx.query(queries.reportRefreshStorage);
      await tx.query(queries.reportRefreshOrphanedBlobs);
      await tx.query(queries.reportRefreshMissingBlobs);
      const tookMs = Math.round(performance.now() - started);
      await tx.query(queries.reportSnapshotDone, [tookMs]);
      return { refreshed: true, tookMs };
    });
    if (outcome !== "busy") return outcome;
    if (!wait) return { refreshed: false };
    await Bun.sleep(BUSY_POLL_MS);
  }
}

const pending = new WeakMap<Db, { running?: Promise<unknown>; next?: Promise<Refresh> }>();

/**
 * A refresh that starts after this call (`?fresh=true`). Callers that arrive while one is running share
 * the next one, so a burst of them costs two refreshes, not one each.
 */
export function refreshAfterNow(db: Db): Promise<Refresh> {
  let state = pending.get(db);
  if (!state) pending.set(db, (state = {}));
  const s = state;
  if (s.next) return s.next;
  const start = () => {
    const run = refreshReportSnapshots(db);
    s.running = run;
    void run.catch(() => {}).finally(() => s.running === run && (s.running = undefined));
    return run;
  };
  if (!s.running) return start();
  const next = s.running.catch(() => {}).then(() => {
    s.next = undefined;
    return start();
  });
  s.next = next;
  return next;
}

/** When the snapshots were computed. */
export async function snapshotAsOf(db: Pick<Db, "query">): Promise<Date | undefined> {
  const [row] = await db.query<{ as_of: Date }>(queries.reportSnapshotAsOf);
  return row?.as_of;
}

/**
 * The server's refresher: at start and then every minute (or every `intervalMs`, if shorter) it refreshes
 * the snapshots once they are older than `intervalMs`, unless another process is doing it. With an
 * interval of 0 it never refreshes by itself (`?fresh=true` and `regstat report` still do).
 * `notAtStart`: the database was created at this start, so its snapshots (of an empty registry) are exact;
 * the first check waits for the next tick instead of delaying the first answers.
 */
export function startReportRefresh(
  deps: { db: Db; intervalMs: number; log: Logger },
  options: { checkEveryMs?: number; notAtStart?: boolean } = {},
): { stop(): Promise<void> } {
  if (deps.intervalMs <= 0) return { stop: async () => {} };
  const log = deps.log.child({ task: "report-refresh" });
  let stopping = false;
  let running: Promise<void> | undefined;
  const pass = () => {
    running ??= refreshReportSnapshots(deps.db, { olderThanMs: deps.intervalMs, wait: false })
      .then((result) => {
        if (result.refreshed) log.info("report snapshots refreshed", { tookMs: result.tookMs });
      })
      .catch((error) => {
        if (!stopping) log.warn("report snapshot refresh failed; will retry", { error: (error as Error).message });
      })
      .finally(() => (running = undefined));
  };
  if (!options.notAtStart) pass();
  const timer = setInterval(pass, options.checkEveryMs ?? Math.min(deps.intervalMs, 60_000));
  return {
    async stop() {
      stopping = true;
      clearInterval(timer);
      // A refresh of a large registry takes seconds: it is not waited for. Closing the database ends
      // it, its transaction rolls back, and the snapshot it was replacing stays.
      await Promise.race([running, Bun.sleep(100)]);
    },
  };
}
