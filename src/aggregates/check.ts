import type { Queryable } from "../db/db.ts";
import { queries } from "../sql.ts";

/** A figure the database keeps that differs from the same figure computed from scratch. */
export type Difference = {
  figure: string;
  key: Record<string, unknown>;
  kept: Record<string, unknown> | null;
  expected: Record<string, unknown> | null;
};

/** Every maintained figure recomputed from scratch (check_aggregates.sql); empty when they all agree. */
export function checkAggregates(db: Queryable): Promise<Difference[]> {
  return db.query<Difference>(queries.checkAggregates);
}

/** One line per difference: which row, and each column that differs as kept and as expected. */
export function describeDifference(d: Difference): string {
  const key = Object.entries(d.key)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const where = `${d.figure}${key ? ` ${key}` : ""}`;
  if (d.figure === "pending") return `${where}: a committed transaction left changes unsettled`;
  if (!d.kept) return `${where}: missing (expected ${JSON.stringify(d.expected)})`;
  if (!d.expected) return `${where}: should not be there (kept ${JSON.stringify(d.kept)})`;
  const columns = Object.keys(d.expected).filter((c) => JSON.stringify(d.kept![c]) !== JSON.stringify(d.expected![c]));
  return `${where}: ${columns.map((c) => `${c} ${JSON.stringify(d.kept![c])}, expected ${JSON.stringify(d.expected![c])}`).join("; ")}`;
}
