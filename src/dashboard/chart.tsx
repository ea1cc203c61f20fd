/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
/**
 * Charts drawn on the server as SVG, so they show with JavaScript off. Every point carries its x and y
 * (`data-x`, `data-y`) as the report gave them, and a tooltip (`<title>`).
 */
export type Series = { name: string; points: { x: string; y: number }[] };

const W = 720;
const H = 220;
const PAD = { left: 64, right: 12, top: 12, bottom: 28 };

function scale(series: Series[]) {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort();
  const max = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.y)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  return {
    xs,
    max,
    band: plotW / Math.max(1, xs.length),
    x: (value: string) => PAD.left + (xs.indexOf(value) + 0.5) * (plotW / Math.max(1, xs.length)),
    y: (value: number) => PAD.top + plotH - (value / max) * plotH,
  };
}

function Axes(props: { xs: string[]; max: number; y: (v: number) => number; format: (v: number) => string }) {
  const { xs } = props;
  const ticks = [0, props.max / 2, props.max];
  const labelled = [xs[0], xs[Math.floor((xs.length - 1) / 2)], xs.at(-1)].filter((x, i, all) => x && all.indexOf(x) === i);
  const plotW = W - PAD.left - PAD.right;
  return (
    <g class="axes">
      {ticks.map((t) => (
        <>
          <line x1={PAD.left} x2={W - PAD.right} y1={props.y(t)} y2={props.y(t)} class="grid" />
          <text x={PAD.left - 6} y={props.y(t) + 4} text-anchor="end">
            {props.format(t)}
          </text>
        </>
      ))}
      {labelled.map((x, i) => (
        <text
          x={PAD.left + (xs.indexOf(x!) + 0.5) * (plotW / Math.max(1, xs.length))}
          y={H - 8}
          text-anchor={i === 0 && labelled.length > 1 ? "start" : i === labelled.length - 1 && i > 0 ? "end" : "middle"}
        >
          {x}
        </text>
      ))}
    </g>
  );
}

function Legend({ series }: { series: Series[] }) {
  return (
    <ul class="legend">
      {series.map((s, i) => (
        <li class={`s${i}`}>{s.name}</li>
      ))}
    </ul>
  );
}

type ChartProps = { label: string; series: Series[]; format: (v: number) => string };
type Scale = ReturnType<typeof scale>;

/** The figure around a chart's marks: the axes, one group per series, the legend. */
function Frame(props: ChartProps & { s: Scale; marks: (series: Series, i: number) => Child }) {
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.label}>
        <Axes xs={props.s.xs} max={props.s.max} y={props.s.y} format={props.format} />
        {props.series.map((series, i) => (
          <g class={`series s${i}`} data-series={series.name}>
            {props.marks(series, i)}
          </g>
        ))}
      </svg>
      <Legend series={props.series} />
    </figure>
  );
}

const tooltip = (series: Series, p: Series["points"][number], format: (v: number) => string) => (
  <title>{`${series.name} ${p.x}: ${format(p.y)}`}</title>
);

/** One line per series, a dot per point: values that grow over days (bytes, counts). */
export function LineChart(props: ChartProps) {
  const s = scale(props.series);
  return (
    <Frame
      {...props}
      s={s}
      marks={(series) => (
        <>
          <polyline points={series.points.map((p) => `${s.x(p.x).toFixed(1)},${s.y(p.y).toFixed(1)}`).join(" ")} />
          {series.points.map((p) => (
            <circle cx={s.x(p.x).toFixed(1)} cy={s.y(p.y).toFixed(1)} r="3" data-x={p.x} data-y={String(p.y)}>
              {tooltip(series, p, props.format)}
            </circle>
          ))}
        </>
      )}
    />
  );
}

/** Bars side by side per x, one per series: counts per day. */
export function BarChart(props: ChartProps) {
  const s = scale(props.series);
  const bar = (s.band * 0.8) / Math.max(1, props.series.length);
  return (
    <Frame
      {...props}
      s={s}
      marks={(series, i) =>
        series.points.map((p) => (
          <rect
            x={(s.x(p.x) - s.band * 0.4 + i * bar).toFixed(1)}
            y={s.y(p.y).toFixed(1)}
            width={Math.max(bar - 0.5, 0.5).toFixed(1)}
            height={(s.y(0) - s.y(p.y)).toFixed(1)}
            data-x={p.x}
            data-y={String(p.y)}
          >
            {tooltip(series, p, props.format)}
          </rect>
        ))
      }
    />
  );
}
