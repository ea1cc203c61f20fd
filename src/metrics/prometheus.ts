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

/** Label sets always kept, outside the cap: the registries the operator named, say. */
export type Reserved = (labels: Labels) => boolean;

abstract class Family {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge" | "histogram",
    /** past this many label sets (reserved ones aside) new ones are dropped, so no input can grow the page without bound */
    readonly maxSeries = 200,
  ) {}
  abstract samples(): string[];
  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.samples()].join("\n");
  }
}

class Series extends Family {
  protected values = new Map<string, { labels: Labels; value: number; reserved: boolean }>();
  #unreserved = 0;
  constructor(
    name: string,
    help: string,
    type: "counter" | "gauge",
    readonly reserved: Reserved = () => false,
  ) {
    super(name, help, type);
  }
  /** The entry for these labels; a new one past the cap is dropped, or takes the place of the stalest if `evict`. */
  protected entry(labels: Labels, evict = false) {
    const key = formatLabels(labels);
    const found = this.values.get(key);
    if (found) return found;
    const reserved = this.reserved(labels);
    if (!reserved && this.#unreserved >= this.maxSeries) {
      if (!evict) return undefined;
      for (const [k, e] of this.values) {
        if (e.reserved) continue;
        this.values.delete(k);
        this.#unreserved--;
        break;
      }
    }
    const entry = { labels, value: 0, reserved };
    this.values.set(key, entry);
    if (!reserved) this.#unreserved++;
    return entry;
  }
  get(labels: Labels = {}) {
    return this.values.get(formatLabels(labels))?.value ?? 0;
  }
  samples() {
    return [...this.values.values()].map(({ labels, value }) => `${this.name}${formatLabels(labels)} ${formatNumber(value)}`);
  }
  clear() {
    this.values.clear();
    this.#unreserved = 0;
  }
}

export class Counter extends Series {
  constructor(name: string, help: string, reserved?: Reserved) {
    super(name, help, "counter", reserved);
  }
  inc(labels: Labels = {}, by = 1) {
    const entry = this.entry(labels);
    if (entry) entry.value += by;
  }
}

/**
 * With `evictStalest`, a new label set past the cap replaces the one set longest ago (a gauge's series may come
 * and go; a counter's may not): a flood of strangers cannot keep a real series out for longer than until it is set again.
 */
export class Gauge extends Series {
  constructor(name: string, help: string, options: { reserved?: Reserved; evictStalest?: boolean } = {}) {
    super(name, help, "gauge", options.reserved);
    this.evictStalest = options.evictStalest ?? false;
  }
  private readonly evictStalest: boolean;
  set(labels: Labels, value: number) {
    const entry = this.entry(labels, this.evictStalest);
    if (!entry) return;
    entry.value = value;
    if (this.evictStalest) {
      // Kept in the order they were last set: the stalest first.
      const key = formatLabels(labels);
      this.values.delete(key);
      this.values.set(key, entry);
    }
  }
}

export class Histogram extends Family {
  private counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    name: string,
    help: string,
    readonly buckets: number[],
  ) {
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

export const renderAll = (families: Family[]) => `${families.map((f) => f.render()).join("\n")}\n`;
