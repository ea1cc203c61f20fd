import postgres from "postgres";
import { connectionOptions, type Options, type PgConnection } from "./connection-string.ts";
import { type Db, INT8, NUMERIC, type Queryable, toNumber } from "./db.ts";

const JSONB = 3802;
const JSON_OID = 114;
const asJsonText = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

/** `conn`: as the settings read it (src/config.ts), or a connection string (tests, benchmarks). */
export function openPostgres(conn: PgConnection | string, extra: { max?: number } = {}): Db {
  const { url, options } = typeof conn === "string" ? connectionOptions(conn) : conn;
  const settings: Options = {
    max: extra.max ?? 10,
    idle_timeout: 60,
    connect_timeout: 5,
    onnotice: () => {},
    ...options,
    connection: { application_name: "regstat", TimeZone: "UTC", ...options.connection },
    types: {
      int8: { to: INT8, from: [INT8], serialize: String, parse: toNumber },
      numeric: { to: NUMERIC, from: [NUMERIC], serialize: String, parse: toNumber },
      // Queries take their batches as JSON text (`$1::jsonb`), the same text PGlite is given.
      jsonb: { to: JSONB, from: [JSONB], serialize: asJsonText, parse: JSON.parse },
      json: { to: JSON_OID, from: [JSON_OID], serialize: asJsonText, parse: JSON.parse },
    },
  };
  const sql = url ? postgres(url, settings) : postgres(settings);
  const on = (s: postgres.Sql | postgres.TransactionSql): Queryable => ({
    query: async <T>(text: string, params: unknown[] = []) =>
      (await s.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true })) as unknown as T[],
    exec: async (text: string) => {
      await s.unsafe(text);
    },
  });
  return {
    kind: "postgres",
    ...on(sql),
    transaction: (fn, { readOnly } = {}) => sql.begin(readOnly ? "read only" : "read write", (tx) => fn(on(tx))) as Promise<never>,
    // Seconds a query still running may take before its connection is ended: a shutdown is bounded.
    close: () => sql.end({ timeout: 1 }),
  };
}
