import type { Db } from "../db/db.ts";
import type { Logger } from "../log.ts";
import { queries } from "../sql.ts";
import type { RegistryContext } from "./context.ts";
import { RegistryError } from "./errors.ts";
import { parseManifest } from "./manifest.ts";
import { mapLimit } from "./pool.ts";

export type FetchJob = { digest: string; registry: string; repository: string; url: string | null; attempts: number };

export type WorkerTuning = {
  /** jobs claimed at once */
  batchSize: number;
  /** registry calls in flight at once */
  concurrency: number;
  /** how long a claimed job is kept from other workers */
  leaseMs: number;
  /** the first retry's delay, doubled each attempt up to maxDelayMs, with jitter */
  baseDelayMs: number;
  maxDelayMs: number;
  /** how often to look for due jobs when there is nothing to do */
  pollMs: number;
};

export const defaultTuning: WorkerTuning = {
  batchSize: 32,
  concurrency: 4,
  leaseMs: 5 * 60_000,
  baseDelayMs: 2_000,
  maxDelayMs: 30 * 60_000,
  pollMs: 2_000,
};

export type RoundResult = { claimed: number; done: number; retried: number; failed: number };

const json = (value: unknown) => JSON.stringify(value);

/** Claims the due jobs once and works through them. */
export async function runFetchRound(
  deps: { db: Db; registry: RegistryContext; log: Logger },
  tuning: WorkerTuning = defaultTuning,
): Promise<RoundResult> {
  const jobs = await deps.db.query<FetchJob>(queries.claimFetchJobs, [tuning.batchSize, tuning.leaseMs]);
  const result: RoundResult = { claimed: jobs.length, done: 0, retried: 0, failed: 0 };
  for (const outcome of await mapLimit(jobs, tuning.concurrency, (job) => fetchOne(deps, job, tuning))) result[outcome]++;
  return result;
}

async function fetchOne(
  { db, registry, log }: { db: Db; registry: RegistryContext; log: Logger },
  job: FetchJob,
  tuning: WorkerTuning,
): Promise<"done" | "retried" | "failed"> {
  const jobLog = log.child({ digest: job.digest, repository: job.repository, registry: job.registry });
  try {
    const origin = registry.policy.originFor(job);
    if (!origin) throw new RegistryError("refused", `${job.registry} is not a registry regstat may call (see --registry-url)`);
    const fetched = await registry.client(origin).getManifest(job.repository, job.digest);
    const refs = parseManifest(fetched.bytes, fetched.contentType, job.digest);
    const at = (digest: string) => `${origin}/v2/${job.repository}/manifests/${digest}`;
    const here = { registry: job.registry, repository: job.repository };
    await db.transaction(async (tx) => {
      await tx.query(queries.recordRegistryManifests, [
        json([
          { ...here, digest: job.digest, media_type: refs.mediaType, size: fetched.bytes.length },
          ...refs.children.map((c) => ({ ...here, ...c })),
        ]),
        null,
      ]);
      await tx.query(queries.linkManifests, [json([{ digest: job.digest, blobs: refs.blobs, children: refs.children }])]);
      if (refs.children.length) {
        await tx.query(queries.enqueueChildFetches, [json(refs.children.map((c) => ({ ...here, digest: c.digest, url: at(c.digest) })))]);
      }
      await tx.query(queries.finishFetchJob, [job.digest]);
    });
    jobLog.debug("manifest fetched", { blobs: refs.blobs.length, children: refs.children.length });
    return "done";
  } catch (error) {
    const message = error instanceof RegistryError ? error.message : `${(error as Error).name}: ${(error as Error).message}`;
    if (error instanceof RegistryError && error.permanent) {
      await db.query(queries.failFetchJob, [job.digest, message]);
      jobLog.warn("manifest fetch gave up", { error: message });
      return "failed";
    }
    const delay = backoff(job.attempts, tuning);
    await db.query(queries.retryFetchJob, [job.digest, delay, message]).catch(() => {
      // The database is away too: the lease brings the job back.
    });
    jobLog.info("manifest fetch will be retried", { error: message, attempt: job.attempts, retryInMs: delay });
    return "retried";
  }
}

/** Doubling from baseDelayMs, capped, spread by ±50% so that many jobs do not return at once. */
export function backoff(attempts: number, tuning: Pick<WorkerTuning, "baseDelayMs" | "maxDelayMs">): number {
  const plain = Math.min(tuning.maxDelayMs, tuning.baseDelayMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
  return Math.round(plain * (0.5 + Math.random()));
}

/** Works the queue until stopped; `wake()` makes it look at once (after the ingest queues a job). */
export function startFetchWorker(
  deps: { db: Db; registry: RegistryContext; log: Logger },
  tuning: WorkerTuning = defaultTuning,
): { stop(): Promise<void>; wake(): void } {
  let stopping = false;
  let wake = () => {};
  const loop = (async () => {
    while (!stopping) {
      let busy = false;
      try {
        const round = await runFetchRound(deps, tuning);
        busy = round.claimed === tuning.batchSize;
      } catch (error) {
        deps.log.warn("manifest fetch queue unavailable", { error: (error as Error).message });
      }
      if (busy || stopping) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, tuning.pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    wake: () => wake(),
    async stop() {
      stopping = true;
      wake();
      await loop;
    },
  };
}
