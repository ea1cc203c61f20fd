/**
 * A script's checks, run in order. A failed check is reported and the next one runs, unless the failed one is
 * `needed` by what follows (the image did not build, the container did not start): the rest are then "not run",
 * which fails the run as well.
 */
export type Check = { name: string; needed?: boolean; run(): Promise<void> | void };

/** Runs the checks; the summary line (`label: N passed, M failed`) is left to the caller to print last. */
export async function runChecks(checks: Check[]) {
  let passed = 0;
  let failed = 0;
  let notRun = 0;
  let blockedBy: string | undefined;
  for (const check of checks) {
    if (blockedBy) {
      notRun++;
      console.log(`----  ${check.name}: not run, "${blockedBy}" failed`);
      continue;
    }
    const started = performance.now();
    try {
      await check.run();
      passed++;
      console.log(`ok    ${check.name} (${seconds(started)})`);
    } catch (error) {
      failed++;
      if (check.needed) blockedBy = check.name;
      console.log(
        `FAIL  ${check.name} (${seconds(started)})\n${indent(error instanceof Error ? (error.stack ?? error.message) : String(error))}`,
      );
    }
  }
  return {
    ok: passed === checks.length,
    summary: (label: string) => `${label}: ${passed} passed, ${failed} failed${notRun ? `, ${notRun} not run` : ""}`,
  };
}

/** Throws with both values shown when they differ (deeply, as bun:test's toEqual compares). */
export function same(actual: unknown, expected: unknown, what: string) {
  if (!Bun.deepEquals(actual, expected)) {
    throw new Error(`${what}: expected ${clip(JSON.stringify(expected))}\n  got ${clip(JSON.stringify(actual))}`);
  }
}

export function ensure(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const clip = (s: string) => (s.length > 600 ? `${s.slice(0, 600)}...` : s);
const indent = (s: string) =>
  s
    .split("\n")
    .map((l) => `      ${l}`)
    .join("\n");
