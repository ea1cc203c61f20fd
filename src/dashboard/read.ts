import type { RunGuarded } from "../reports/guard.ts";
import type { Answer } from "../reports/run.ts";

export type Given = Record<string, string | undefined>;
export type Read = (name: string, given?: Given) => Promise<Answer & { href: string }>;

/** The JSON report a section shows: its address, for the link beside the section. */
export function reportHref(name: string, given: Given = {}) {
  const query = new URLSearchParams(Object.entries(given).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""));
  return `/reports/${name}${query.size ? `?${query}` : ""}`;
}

/** Every figure a page shows comes from the report runner, as GET /reports/<name> answers it. */
export function reader(run: RunGuarded): Read {
  return async (name, given = {}) => {
    const params = Object.fromEntries(Object.entries(given).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""));
    return { ...(await run(name, params)), href: reportHref(name, params) };
  };
}
