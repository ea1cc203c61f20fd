import { readFileSync } from "node:fs";
import type { Config } from "../config.ts";

export type Tokens = { webhook: string[]; reports: string[] };

/**
 * The tokens each guarded surface accepts: those given on the command line or in the environment, and
 * those in the token file (one a line; blank lines and `#` comments skipped). Several may be valid at once,
 * so a new token can be handed out before the old one is withdrawn.
 */
export function loadTokens(config: Pick<Config, "webhookToken" | "webhookTokenFile" | "reportsToken" | "reportsTokenFile">): Tokens {
  return {
    webhook: [...config.webhookToken, ...fromFile(config.webhookTokenFile, "--webhook-token-file")],
    reports: [...config.reportsToken, ...fromFile(config.reportsTokenFile, "--reports-token-file")],
  };
}

function fromFile(path: string | undefined, flag: string): string[] {
  if (!path) return [];
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`${flag}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`);
  }
  const tokens = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  // A file that was meant to lock the door but holds nothing must not leave it open.
  if (!tokens.length) throw new Error(`${flag}: ${path} holds no tokens`);
  return tokens;
}
