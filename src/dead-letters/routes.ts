import { Hono, type MiddlewareHandler } from "hono";
import { type Db, isTransient } from "../db/db.ts";
import { AppError } from "../errors.ts";
import type { Rules } from "../ingest/normalize.ts";
import type { Logger } from "../log.ts";
import { replayDeadLetters } from "./replay.ts";

/** `POST /dead-letters/replay`, behind the webhook's token: what `regstat dead-letters replay` does. */
export function deadLetterRoutes(deps: { db: Db; rules: Rules; log: Logger; guard: MiddlewareHandler }) {
  const app = new Hono();
  app.post("/dead-letters/replay", deps.guard, async (c) => {
    try {
      return c.json(await replayDeadLetters(deps.db, deps.rules, deps.log));
    } catch (error) {
      if (isTransient(error)) throw new AppError(503, "database_unavailable", "the database is unavailable; retry later");
      throw new AppError(503, "database_error", "the database could not store the events; retry later");
    }
  });
  return app;
}
