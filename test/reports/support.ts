import { expect } from "bun:test";
import type { testApp } from "../support/app.ts";

export type App = ReturnType<typeof testApp>;

/** GET a report through the real app; the parsed JSON answer. */
export async function report(app: App, name: string, params: Record<string, string | number> = {}, status = 200) {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
  const response = await app.app.request(`/reports/${name}${query.size ? `?${query}` : ""}`);
  const body = (await response.json()) as any;
  if (response.status !== status) throw new Error(`${name}: ${response.status} ${JSON.stringify(body)}`);
  expect(response.status).toBe(status);
  return body;
}

/** Every row of a list report, read page after page by its next_cursor. */
export async function allPages(app: App, name: string, params: Record<string, string | number> = {}) {
  const rows = [];
  let cursor: string | null | undefined;
  do {
    const page = await report(app, name, { ...params, ...(cursor ? { cursor } : {}) });
    rows.push(...page.rows);
    cursor = page.next_cursor;
  } while (cursor);
  return rows;
}

/** Posts events one envelope each, in the order given, and checks each was stored (not a duplicate, not dead-lettered). */
export async function deliver(app: App, ...events: unknown[]) {
  for (const event of events) {
    const response = await app.post({ events: [event] });
    expect({ status: response.status, answer: await response.json() }).toEqual({
      status: 200,
      answer: { stored: 1, duplicates: 0, dead_lettered: 0 },
    });
  }
}

export const daysAgo = (days: number, hours = 0) => new Date(Date.now() - days * 86_400_000 - hours * 3_600_000).toISOString();
