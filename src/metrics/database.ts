import { type Db, isConflict, isTransient } from "../db/db.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "./metrics.ts";

/**
 * The database as the rest of the server sees it, counting every failed operation by kind and logging
 * once when the database goes away and once when it is back, not once per refused request.
 */
export function watchDatabase(db: Db, metrics: Metrics, log: Logger): Db {
  let down = false;
  const track = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      const result = await work();
      if (down) {
        down = false;
        log.info("database available again");
      }
      return result;
    } catch (error) {
      const kind = isConflict(error) ? "conflict" : isTransient(error) ? "unavailable" : "other";
      metrics.databaseErrors.inc({ kind });
      if (kind === "unavailable" && !down) {
        down = true;
        log.warn("database unavailable", { error: describe(error) });
      }
      throw error;
    }
  };
  return {
    kind: db.kind,
    created: db.created,
    query: (text, params) => track(() => db.query(text, params)),
    exec: (text) => track(() => db.exec(text)),
    transaction: (fn, options) => track(() => db.transaction(fn, options)),
    close: () => db.close(),
  };
}

// The driver's code and message name the failure (ECONNREFUSED, 57P01) and never the password.
const describe = (error: unknown) => {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return [code, message]
    .filter((part) => typeof part === "string" && part)
    .join(": ")
    .slice(0, 300);
};
