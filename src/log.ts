export const levels = ["debug", "info", "warn", "error"] as const;
export type Level = (typeof levels)[number];
export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

type Sink = (line: string) => void;

/** JSON lines for machines, `time level msg k=v` for a person at a terminal. */
export function createLogger(options: { level?: Level; json?: boolean; sink?: Sink; base?: Fields } = {}): Logger {
  const min = levels.indexOf(options.level ?? "info");
  const json = options.json ?? !process.stderr.isTTY;
  const sink = options.sink ?? ((line) => process.stderr.write(`${line}\n`));
  const base = options.base ?? {};
  const write = (level: Level, msg: string, fields?: Fields) => {
    if (levels.indexOf(level) < min) return;
    const all = { ...base, ...fields };
    if (json) {
      sink(JSON.stringify({ time: new Date().toISOString(), level, msg, ...all }, jsonSafe));
    } else {
      const extra = Object.entries(all)
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v, jsonSafe)}`)
        .join(" ");
      sink(`${new Date().toISOString().slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? ` ${extra}` : ""}`);
    }
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
}

function jsonSafe(_key: string, value: unknown) {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

export const silentLogger: Logger = createLogger({ sink: () => {} });
