/** @jsxImportSource hono/jsx */
import type { Row } from "../reports/run.ts";
import { BarChart } from "./chart.tsx";
import { grouped } from "./format.tsx";

/** The activity report's rows (newest day first) as bars: pushes, pulls and deletes per day. */
export function ActivityChart({ rows }: { rows: Row[] }) {
  const days = [...rows].reverse();
  const perDay = (column: string) => days.map((r) => ({ x: r.day as string, y: r[column] as number }));
  return (
    <BarChart
      label="Pushes, pulls and deletes per UTC day"
      series={[
        { name: "pushes", points: perDay("pushes") },
        { name: "pulls", points: perDay("pulls") },
        { name: "deletes", points: perDay("deletes") },
      ]}
      format={(n) => grouped(Math.round(n))}
    />
  );
}
