import type postgres from "postgres";

export type Options = postgres.Options<Record<string, postgres.PostgresType>>;

/** A connection string read: a URL passed to the driver as it is, or the driver's options. */
export type PgConnection = { url?: string; options: Options };

/** The libpq keyword form the original took (`host=h port=5432 user=u password='p w'`), or a URL. */
export function connectionOptions(conn: string): PgConnection {
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
