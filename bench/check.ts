import { readFileSync } from "node:fs";
import type { Db } from "../src/db/db.ts";

export type StoredOnce = { sent: number; lost: number; duplicated: number; pullsSent: number; pullsCounted: number };

/**
 * Every acknowledged event must be in the event log, and applied once: the GET pulls counted on blobs and
 * manifests (live or retired; the workload never brings a deleted digest back) must equal those sent.
 * A lost event is missing from the log or its pull is not counted; a duplicated one is an extra row or
 * a pull counted twice.
 */
export async function checkStoredOnce(db: Db, idsFile: string, pullsSent: number): Promise<StoredOnce> {
  const ids = readFileSync(idsFile, "utf8").split("\n").filter(Boolean);
  const [missing] = await db.query<{ n: number }>(
    `select count(*)::int as n from jsonb_array_elements_text($1::jsonb) as i (id)
     where not exists (select 1 from regstat.events e where e.id = i.id)`,
    [JSON.stringify(ids)],
  );
  const [rows] = await db.query<{ n: number }>("select count(*)::int as n from regstat.events");
  const [pulls] = await db.query<{ n: number }>(
    `select (select coalesce(sum(pull_count), 0) from regstat.blobs)
          + (select coalesce(sum(pull_count), 0) from regstat.deleted_blobs)
          + (select coalesce(sum(pull_count), 0) from regstat.manifests)
          + (select coalesce(sum(pull_count), 0) from regstat.deleted_manifests) as n`,
  );
  const distinct = new Set(ids).size;
  const extraRows = rows!.n - (distinct - missing!.n);
  return {
    sent: ids.length,
    lost: missing!.n + Math.max(0, pullsSent - pulls!.n),
    duplicated: ids.length - distinct + extraRows + Math.max(0, pulls!.n - pullsSent),
    pullsSent,
    pullsCounted: pulls!.n,
  };
}
