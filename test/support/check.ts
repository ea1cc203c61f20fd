import { expect } from "bun:test";
import { checkAggregates, describeDifference } from "../../src/aggregates/check.ts";
import type { Queryable } from "../../src/db/db.ts";

/**
 * What `regstat check` does: every figure the database maintains for the reports (migration 11) equals the
 * same figure computed from scratch. Call it after a scenario, on any test database.
 */
export async function expectConsistent(db: Queryable) {
  const differences = (await checkAggregates(db)).map(describeDifference);
  expect(differences).toEqual([]);
}
