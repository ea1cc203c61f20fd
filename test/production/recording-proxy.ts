/**
 * Stands between the registry and regstat and writes down every delivery attempt: which event ids the
 * registry sent, what regstat answered and how long it took. What the registry sent is then compared with
 * what regstat stored. When regstat is not running the registry is told 502, as a load balancer would.
 */
export type Delivery = { ids: string[]; status: number; ms: number };

export function recordingProxy(target: () => string) {
  const deliveries: Delivery[] = [];
  let last = Date.now();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const body = await request.text();
      const ids: string[] = (() => {
        try {
          return JSON.parse(body).events.map((e: { id: string }) => e.id);
        } catch {
          return [];
        }
      })();
      const started = performance.now();
      const answer = await fetch(`${target()}${new URL(request.url).pathname}`, {
        method: "POST",
        headers: { "content-type": request.headers.get("content-type") ?? "", authorization: request.headers.get("authorization") ?? "" },
        body,
        signal: AbortSignal.timeout(10_000),
      }).then(
        async (r) => ({ status: r.status, text: await r.text() }),
        () => ({ status: 502, text: "regstat is not answering" }),
      );
      deliveries.push({ ids, status: answer.status, ms: performance.now() - started });
      last = Date.now();
      return new Response(answer.text, { status: answer.status });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    deliveries,
    /** every distinct event id the registry has sent so far */
    sentIds: () => new Set(deliveries.flatMap((d) => d.ids)),
    /** how long since the registry last tried to deliver anything */
    quietMs: () => Date.now() - last,
    stop: () => server.stop(true),
  };
}

/** Waits until `done()` holds and the registry has been quiet for `quietMs`, or throws after `timeoutMs`. */
export async function settle(done: () => Promise<boolean>, quiet: () => number, { quietMs = 1500, timeoutMs = 60_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (quiet() >= quietMs && (await done())) return;
    await Bun.sleep(200);
  }
  throw new Error("the registry's deliveries did not settle in time");
}
