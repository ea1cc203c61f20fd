/**
 * `work`, or a rejection with `late()` once `signal` aborts; `AbortSignal.timeout(ms)` makes a deadline
 * in milliseconds. The work itself goes on: give it the signal too when it can stop.
 */
export async function beforeDeadline<T>(work: Promise<T>, signal: AbortSignal, late: () => unknown): Promise<T> {
  let onAbort = () => {};
  const deadline = new Promise<never>((_, reject) => {
    onAbort = () => reject(late());
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
