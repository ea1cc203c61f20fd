/** @jsxImportSource hono/jsx */
import { AppError } from "../../errors.ts";
import { ImagesTable } from "../images-table.tsx";
import { Layout, Pager, ScopeFields, Section } from "../layout.tsx";
import type { Given, Read } from "../read.ts";

const questions = {
  "not-pulled": "Not pulled for",
  "older-than": "Last pushed more than",
} as const;

/** The not-pulled and older-than reports behind one control: which question, how long, in days or months. */
export async function Stale({ read, query }: { read: Read; query: Given }) {
  const question = query.question === "older-than" ? "older-than" : "not-pulled";
  const unit = query.unit === "months" ? "months" : "days";
  const amount = query.amount ?? (unit === "months" ? "3" : "30");
  if (question === "older-than" && unit === "months") {
    throw new AppError(400, "invalid_parameter", "unit: the older-than report counts in days", { parameter: "unit", allowed: "days" });
  }
  const scope = { registry: query.registry, repository: query.repository, limit: query.limit ?? "100", cursor: query.cursor };
  const answer = await read(question, { [unit]: amount, ...scope });
  return (
    <Layout title="Stale images" current="/dashboard/stale">
      <form method="get" class="controls" action="/dashboard/stale" data-autosubmit>
        <label>
          Question
          <select name="question">
            {Object.entries(questions).map(([value, label]) => (
              <option value={value} selected={value === question}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          How long <input name="amount" type="number" min="0" max="36500" value={amount} />
        </label>
        <label>
          Unit
          <select name="unit">
            <option value="days" selected={unit === "days"}>
              days
            </option>
            <option value="months" selected={unit === "months"}>
              months
            </option>
          </select>
        </label>
        <ScopeFields query={query} />
        <button type="submit">Show</button>
      </form>
      <Section title={`${questions[question]} ${amount} ${unit}`} href={answer.href}>
        <ImagesTable id="stale" rows={answer.rows} idle={question === "not-pulled"} />
        {answer.rows.length ? null : <p class="none">No image matches.</p>}
        <Pager path="/dashboard/stale" query={{ question, amount, unit, ...scope, limit: query.limit }} next={answer.next_cursor} />
      </Section>
    </Layout>
  );
}
