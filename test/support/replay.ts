import type { Db } from "../../src/db/db.ts";
import { testApp } from "./app.ts";
import { freshDb } from "./db.ts";
import type { Captured } from "./fixtures.ts";

/** The report a packaged regstat (executable, container) is compared on with the source run in process. */
export const REPORT = "/reports/images";

/** The state a replay leaves, without the columns that hold the time of arrival. */
export async function stateOf(db: Db) {
  return {
    events: await db.query("select id, action, kind, registry, repository, digest, tag, method from regstat.events order by id"),
    tags: await db.query("select name, manifest_digest, pushed, pulled from regstat.tags order by name"),
    manifests: await db.query("select digest, pushed, pulled from regstat.manifests order by digest"),
    blobs: await db.query("select digest, pushed, pulled from regstat.blobs order by digest"),
  };
}

/**
 * Each captured request POSTed to a running regstat as the registry sent it: same body, same headers.
 * A 503 is sent again after a moment, as the registry does: a packaged regstat runs with the operator's
 * --db-timeout, which a loaded machine can pass. Returns the last answer to each request.
 */
export async function replayOver(url: string, captured: Captured[]) {
  const answers = [];
  for (const { headers, body } of captured) {
    const { "content-length": _, ...sent } = headers;
    let status: number;
    for (let attempt = 1; ; attempt++) {
      status = (await fetch(`${url}/`, { method: "POST", headers: sent, body: JSON.stringify(body) })).status;
      if (status !== 503 || attempt === 20) break;
      console.log(`replay: 503 (the database was slower than --db-timeout), sent again (attempt ${attempt + 1})`);
      await Bun.sleep(250);
    }
    answers.push(status);
  }
  return answers;
}

/** What the source, run in process on a fresh test database, makes of the same notifications. */
export async function sourceReplay(captured: Captured[]) {
  const db = await freshDb();
  try {
    const { app, post, ingestor } = testApp(db);
    for (const request of captured) {
      const status = (await post(request.body)).status;
      if (status !== 200) throw new Error(`the source answered ${status} to a captured notification`);
    }
    await ingestor.idle();
    return { state: await stateOf(db), report: await (await app.request(REPORT)).json() };
  } finally {
    await db.close();
  }
}
