// The registry side of the benchmark, run as its own process: `senders` clients each post one envelope
// at a time, like a registry endpoint, for `seconds`; prints one JSON line of figures.
import { appendFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type Mix, mixes } from "./workload.ts";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    senders: { type: "string", default: "1" },
    seconds: { type: "string", default: "10" },
    scope: { type: "string" },
    ids: { type: "string" },
    mix: { type: "string", default: "realistic" },
  },
});
const url = `${values.url}/events`;
const history = mixes[values.mix as Mix];
if (!history) throw new Error(`unknown mix "${values.mix}"`);
const senders = Number(values.senders);
const until = performance.now() + Number(values.seconds) * 1000;
const latencies: number[] = [];
const ids: string[] = [];
let getPulls = 0;
let retries = 0;

async function sender(scope: string) {
  for (const sent of history(scope)) {
    if (performance.now() >= until) return;
    const start = performance.now();
    // Like the registry: an event is resent until it is accepted.
    while (!(await post(sent.body))) {
      retries++;
      await Bun.sleep(50);
    }
    latencies.push(performance.now() - start);
    ids.push(sent.id);
    if (sent.getPull) getPulls++;
  }
}

async function post(body: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/vnd.docker.distribution.events.v1+json" },
      body,
    });
    const answer = (await response.json()) as { stored?: number; duplicates?: number };
    // A duplicate answers only a resend whose first try was committed after its 503.
    if (response.ok && answer.stored! + answer.duplicates! !== 1) {
      throw new Error(`an event was not stored: ${JSON.stringify(answer)}`);
    }
    return response.ok;
  } catch (error) {
    if ((error as Error).message?.startsWith("an event")) throw error;
    return false;
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: senders }, (_, n) => sender(`${values.scope}-${n}`)));
const seconds = (performance.now() - started) / 1000;

latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
if (values.ids) appendFileSync(values.ids, ids.map((id) => `${id}\n`).join(""));
console.log(
  JSON.stringify({
    senders,
    events: ids.length,
    seconds,
    eps: ids.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
    max: latencies.at(-1),
    retries,
    getPulls,
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  }),
);
