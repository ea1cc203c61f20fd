/** @jsxImportSource hono/jsx */
/** How a report's values read on a page: each keeps the exact value in a machine-readable attribute. */

const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

export function humanBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export const grouped = (n: number) => n.toLocaleString("en-US");

/** A byte count: readable, with the exact count the report gave in `value` and the tooltip. */
export const Bytes = ({ value }: { value: unknown }) =>
  typeof value === "number" ? (
    <data value={String(value)} title={`${grouped(value)} bytes`}>
      {humanBytes(value)}
    </data>
  ) : (
    <None />
  );

export const Count = ({ value }: { value: unknown }) =>
  typeof value === "number" ? <data value={String(value)}>{grouped(value)}</data> : <None />;

/** An ISO 8601 time from a report, shown to the minute in UTC. */
export const When = ({ value }: { value: unknown }) =>
  typeof value === "string" ? (
    <time datetime={value} title={value}>
      {value.slice(0, 16).replace("T", " ")}
      {value.length > 10 ? " UTC" : ""}
    </time>
  ) : (
    <None />
  );

export const None = () => <span class="none">never</span>;

/** A digest cut to what a person compares, the whole of it in the tooltip. */
export const Digest = ({ value }: { value: unknown }) =>
  typeof value === "string" ? <code title={value}>{value.replace(/^(sha256:)?(.{12}).*$/, "$2")}</code> : <span class="none">-</span>;
