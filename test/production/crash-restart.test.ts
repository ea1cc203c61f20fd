import { afterAll, beforeAll, expect, test } from "bun:test";
import { expectStoredExactlyOnce, startStream } from "./stream.ts";

async function until(condition: () => boolean) {
  for (let i = 0; i < 200 && !condition(); i++) await Bun.sleep(25);
}

let stream: Awaited<ReturnType<typeof startStream>>;
beforeAll(async () => (stream = await startStream()));
afterAll(() => stream.stop());

test("regstat killed with SIGKILL mid-stream and started again: every event the registry sent is stored exactly once", async () => {
  const { regstat, proxy, traffic } = stream;
  await traffic(2);

  const before = proxy.deliveries.length;
  const during = traffic(3);
  await until(() => proxy.deliveries.length > before);
  expect(await regstat.kill("SIGKILL")).not.toBe(0);
  // The registry meets a closed port and keeps retrying.
  await until(() => proxy.deliveries.some((d) => d.status === 502));
  await regstat.start();
  await during;
  await traffic(1);
  await stream.drained();

  // Some deliveries found regstat gone, and were delivered again once it was back.
  expect(proxy.deliveries.some((d) => d.status === 502)).toBe(true);
  await expectStoredExactlyOnce(stream);
});
