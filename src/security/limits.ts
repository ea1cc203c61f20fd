import { beforeDeadline } from "../deadline.ts";
import { AppError } from "../errors.ts";

/**
 * At most `max` pieces of work at once, and at most `queue` more waiting for their turn, each for `maxWaitMs`
 * at most; past that the caller is told 503 `busy` (the registry, or a dashboard, retries).
 */
export function concurrencyGate(max: number, { queue = 0, maxWaitMs = Infinity, what = "requests" } = {}) {
  let running = 0;
  const waiting: (() => void)[] = [];
  const busy = () => new AppError(503, "busy", `more than ${max + queue} ${what} at once; retry later`);
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= max) {
      if (waiting.length >= queue) throw busy();
      await new Promise<void>((resolve, reject) => {
        const turn = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = Number.isFinite(maxWaitMs)
          ? setTimeout(() => {
              waiting.splice(waiting.indexOf(turn), 1);
              reject(busy());
            }, maxWaitMs)
          : undefined;
        waiting.push(turn);
      });
    } else running++;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/** The body as text, or a 408 once `ms` pass before all of it has arrived (a stalled or trickling sender). */
export function readBody(text: () => Promise<string>, ms: number): Promise<string> {
  return beforeDeadline(
    text(),
    AbortSignal.timeout(ms),
    () => new AppError(408, "body_timeout", `the body did not arrive within ${ms} ms`),
  );
}
