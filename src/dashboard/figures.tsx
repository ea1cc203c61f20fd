/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";

/** A headline figure: what it counts, its value, and a line of help when the label alone does not say. */
export type Figure = { id?: string; label: string; value: Child; help?: string };

export const Figures = ({ figures }: { figures: Figure[] }) => (
  <dl class="figures">
    {figures.map((f) => (
      <div class="figure" id={f.id}>
        <dt class="label">{f.label}</dt>
        <dd class="value">{f.value}</dd>
        {f.help ? <dd class="help">{f.help}</dd> : null}
      </div>
    ))}
  </dl>
);
