import { type Config, parseConfig } from "../config.ts";

export const usage = "healthcheck";
export const summary = "exit 0 if the local service answers /healthz, else 1 (a container's HEALTHCHECK)";

/** Docker's own timeout is 30 s by default; answering sooner leaves a clear message in `docker inspect`. */
const TIMEOUT_MS = 5000;

/** Reads the same flags and environment as the server, so it finds the port and scheme the server uses. */
export async function run(args: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const { config } = parseConfig(args, env);
  const url = healthUrl(config);
  try {
    // The certificate names the public host, not the loopback address: this checks liveness, not identity.
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), tls: { rejectUnauthorized: false } });
    if (response.ok) {
      process.stdout.write(`${url}: ${response.status}\n`);
      return 0;
    }
    process.stderr.write(`regstat healthcheck: ${url} answered ${response.status}\n`);
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    process.stderr.write(`regstat healthcheck: ${url}: ${code ?? message}\n`);
  }
  return 1;
}

/** A wildcard listen address is reached through loopback; a named one through itself. */
export function healthUrl(config: Pick<Config, "host" | "port" | "tlsCert">) {
  const host =
    config.host === "0.0.0.0" || config.host === ""
      ? "127.0.0.1"
      : config.host === "::" || config.host === "[::]"
        ? "[::1]"
        : config.host.includes(":") && !config.host.startsWith("[")
          ? `[${config.host}]`
          : config.host;
  return `${config.tlsCert ? "https" : "http"}://${host}:${config.port}/healthz`;
}
