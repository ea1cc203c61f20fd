/** @jsxImportSource hono/jsx */
import type { Row } from "../reports/run.ts";
import { LineChart } from "./chart.tsx";
import { grouped, humanBytes } from "./format.tsx";

/** Lines of a history report's columns, oldest day first; days before anything was recorded are left out. */
export function HistoryChart(props: { rows: Row[]; columns: [column: string, name: string][]; bytes: boolean; label: string }) {
  const days = [...props.rows].sort((a, b) => String(a.day).localeCompare(String(b.day)));
  return (
    <LineChart
      label={props.label}
      series={props.columns.map(([column, name]) => ({
        name,
        points: days.filter((r) => typeof r[column] === "number").map((r) => ({ x: r.day as string, y: r[column] as number })),
      }))}
      format={props.bytes ? humanBytes : (n) => grouped(Math.round(n))}
    />
  );
}
