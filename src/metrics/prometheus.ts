/**
 * Just enough of the Prometheus text exposition format (version 0.0.4) for regstat's own metrics:
 * counters, gauges and one kind of histogram, each family with a fixed set of label names.
 */
type Labels = Record<string, string>;

const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const formatLabels = (labels: Labels) => {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return pairs.length ? `{${pairs.join(",")}}` : "";
};
const formatNumber = (n: number) => (Number.isFinite(n) ? String(n) : n > 0 ? "+Inf" : n < 0 ? "-Inf" : "NaN");

abstract class Family {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge" | "histogram",
    /** past this many label sets new ones are dropped, so no input can grow the page without bound */
    readonly maxSeries = 200,
  ) {}
  abstract samples(): string[];
  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.samples()].join("\n");
  }
}

class Series extends Family {
  protected values = new Map<string, { labels: Labels; value: number }>();
  protected entry(labels: Labels) {
    const key = formatLabels(labels);
    let entry = this.values.get(key);
    if (!entry && this.values.size < this.maxSeries) this.values.set(key, (entry = { labels, value: 0 }));
    return entry;
  }
  get(labels: Labels = {}) {
    return this.values.get(formatLabels(labels))?.value ?? 0;
  }
  samples() {
    return [...this.values.values()].map(({ labels, value }) => `${this.name}${formatLabels(labels)} ${formatNumber(value)}`);
  }
}

export class Counter extends Series {
  constructor(name: string, help: string) {
    super(name, help, "counter");
  }
  inc(labels: Labels = {}, by = 1) {
    const entry = this.entry(labels);
    if (entry) entry.value += by;
  }
}

export class Gauge extends Series {
  constructor(name: string, help: string) {
    super(name, help, "gauge");
  }
  set(labels: Labels, value: number) {
    const entry = this.entry(labels);
    if (entry) entry.value = value;
  }
  clear() {
    this.values.clear();
  }
}

export class Histogram extends Family {
  private counts: number[];
  private sum = 0;
  private count = 0;
  constructor(name: string, help: string, readonly buckets: number[]) {
    super(name, help, "histogram");
    this.counts = buckets.map(() => 0);
  }
  observe(value: number) {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) this.counts[i]!++;
  }
  samples() {
    return [
      ...this.buckets.map((le, i) => `${this.name}_bucket{le="${le}"} ${this.counts[i]}`),
      `${this.name}_bucket{le="+Inf"} ${this.count}`,
      `${this.name}_sum ${this.sum}`,
      `${this.name}_count ${this.count}`,
    ];
  }
}

export const renderAll = (families: Family[]) => families.map((f) => f.render()).join("\n") + "\n";
