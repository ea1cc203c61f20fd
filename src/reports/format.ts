import type { Row } from "./run.ts";

const cell = (value: unknown) => (value === null || value === undefined ? "" : String(value));

/**
 * RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. Text starting with = + - @
 * (or a tab or carriage return) is what a spreadsheet runs as a formula: a repository or tag named so by a
 * pusher gets a leading ' so that it is shown, not run. Numbers are left alone (-1 is a number).
 */
const csvField = (value: unknown) => {
  const text = typeof value === "string" && /^[=+\-@\t\r]/.test(value) ? `'${value}` : cell(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

export function toCsv(columns: string[], rows: Row[]): string {
  return `${[columns, ...rows.map((row) => columns.map((c) => row[c]))].map((line) => line.map(csvField).join(",")).join("\r\n")}\r\n`;
}

/** Aligned columns for a terminal; numbers right-aligned. */
export function toTable(columns: string[], rows: Row[]): string {
  const cells = rows.map((row) => columns.map((c) => cell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const numeric = columns.map((c) => rows.length > 0 && rows.every((r) => r[c] === null || typeof r[c] === "number"));
  const line = (values: string[]) =>
    values
      .map((value, i) => (numeric[i] ? value.padStart(widths[i]!) : value.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return `${[line(columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n")}\n`;
}
