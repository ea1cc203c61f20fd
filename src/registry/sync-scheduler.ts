import type { Logger } from "../log.ts";

/**
 * Syncs one registry at a time each, never two starts closer than `gapMs`: a request while its registry's
 * sync is due or running is folded into the next one, which starts once the gap since the last has passed.
 */
export function syncScheduler(deps: { gapMs: number; run: (url: string) => Promise<unknown>; log: Logger }) {
  type State = { lastStart?: number; timer?: Timer; running?: Promise<void>; again: boolean };
  const states = new Map<string, State>();
  let stopped = false;

  const start = (url: string, state: State) => {
    state.timer = undefined;
    state.lastStart = Date.now();
    state.running = deps
      .run(url)
      .then(
        () => {},
        (error) => deps.log.error("sync failed", { url, error: (error as Error).message }),
      )
      .finally(() => {
        state.running = undefined;
        if (state.again) {
          state.again = false;
          request(url);
        }
      });
  };

  const request = (url: string) => {
    if (stopped) return;
    let state = states.get(url);
    if (!state) states.set(url, (state = { again: false }));
    if (state.running) state.again = true;
    if (state.running || state.timer) return;
    const wait = state.lastStart === undefined ? 0 : Math.max(0, state.lastStart + deps.gapMs - Date.now());
    state.timer = setTimeout(() => start(url, state), wait);
  };

  return {
    request,
    async stop() {
      stopped = true;
      for (const state of states.values()) clearTimeout(state.timer);
      await Promise.all([...states.values()].map((s) => s.running));
    },
  };
}
