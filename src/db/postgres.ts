import postgres from "postgres";
import { INT8, NUMERIC, toNumber, type Db, type Queryable } from "./db.ts";

type Options = postgres.Options<Record<string, postgres.PostgresType>>;

/** The libpq keyword form the original took (`host=h port=5432 user=u password='p w'`), or a URL. */
export function connectionOptions(conn: string): { url?: string; options: Options } {
  const trimmed = conn.trim();
  if (/^postgres(ql)?:\/\//.test(trimmed)) return { url: trimmed, options: {} };
  const options: Options & Record<string, unknown> = {};
  const pair = /\s*([a-zA-Z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S*))/gy;
  let match: RegExpExecArray | null;
  let end = 0;
  while ((match = pair.exec(trimmed))) {
    end = pair.lastIndex;
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, "$1") : match[3]!;
    switch (match[1]) {
      case "host":
      case "hostaddr":
        options.host = value;
        break;
      case "port":
        options.port = Number(value);
        break;
      case "user":
        options.user = value;
        break;
      case "password":
        options.pass = value;
        break;
      case "dbname":
        options.database = value;
        break;
      case "sslmode":
        options.ssl = value === "disable" ? false : (value as Options["ssl"]);
        break;
      case "connect_timeout":
        options.connect_timeout = Number(value);
        break;
      case "application_name":
        options.connection = { application_name: value };
        break;
      default:
        throw new Error(`unknown connection keyword "${match[1]}"`);
    }
  }
  if (end !== trimmed.length) throw new Error(`cannot read the connection string after position ${end}`);
  return { options };
}

const JSONB = 3802;
const JSON_OID = 114;
const asJsonText = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

export function openPostgres(conn: string, extra: { max?: number } = {}): Db {
  const { url, options } = connectionOptions(conn);
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
    transaction: (fn, { readOnly } = {}) =>
      sql.begin(readOnly ? "read only" : "read write", (tx) => fn(on(tx))) as Promise<never>,
    close: () => sql.end({ timeout: 5 }),
  };
}
