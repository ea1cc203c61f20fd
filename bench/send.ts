import { join } from "node:path";
import type { Mix } from "./workload.ts";

export type SendFigures = {
  senders: number;
  events: number;
  seconds: number;
  eps: number;
  p50: number;
  p99: number;
  max: number;
  retries: number;
  getPulls: number;
  /** the sender process's own CPU time */
  cpuSeconds: number;
};

/** Runs bench/sender.ts in a process of its own (the registry's side) and returns its figures. */
export async function send(o: { url: string; senders: number; seconds: number; scope: string; ids: string; mix: Mix }) {
  const child = Bun.spawn(
    [
      "bun",
      join(import.meta.dir, "sender.ts"),
      "--url",
      o.url,
      "--senders",
      String(o.senders),
      "--seconds",
      String(o.seconds),
      "--scope",
      o.scope,
      "--ids",
      o.ids,
      "--mix",
      o.mix,
    ],
    { stdout: "pipe", stderr: "inherit" },
  );
  const out = await new Response(child.stdout).text();
  if ((await child.exited) !== 0) throw new Error(`the sender failed: ${out}`);
  return JSON.parse(out.trim().split("\n").at(-1)!) as SendFigures;
}
