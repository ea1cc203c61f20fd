import { expect, test } from "bun:test";
import { silentLogger } from "../../src/log.ts";
import { syncScheduler } from "../../src/registry/sync-scheduler.ts";

/** A sync that runs until the test lets it finish. */
function fakeSyncs() {
  const started: string[] = [];
  const finish: (() => void)[] = [];
  const run = (url: string) => {
    started.push(url);
    return new Promise<void>((resolve) => finish.push(resolve));
  };
  return {
    started,
    run,
    finishAll: async () => {
      for (const f of finish.splice(0)) f();
      await Bun.sleep(1);
    },
  };
}
const tick = () => Bun.sleep(1);

test("one sync per registry at a time; requests meanwhile become one more, never before the gap", async () => {
  const syncs = fakeSyncs();
  const scheduler = syncScheduler({ gapMs: 3_600_000, run: syncs.run, log: silentLogger });
  scheduler.request("http://a");
  scheduler.request("http://b");
  await tick();
  scheduler.request("http://a");
  scheduler.request("http://a");
  await tick();
  expect(syncs.started).toEqual(["http://a", "http://b"]);
  await syncs.finishAll();
  // the folded request waits for the gap (an hour): not started yet
  expect(syncs.started).toEqual(["http://a", "http://b"]);
  await scheduler.stop();
});

test("with no gap, the requests made during a sync give exactly one more", async () => {
  const syncs = fakeSyncs();
  const scheduler = syncScheduler({ gapMs: 0, run: syncs.run, log: silentLogger });
  scheduler.request("http://a");
  await tick();
  for (let i = 0; i < 5; i++) scheduler.request("http://a");
  await syncs.finishAll();
  await tick();
  expect(syncs.started).toEqual(["http://a", "http://a"]);
  await syncs.finishAll();
  await tick();
  expect(syncs.started).toEqual(["http://a", "http://a"]);
  await scheduler.stop();
});
