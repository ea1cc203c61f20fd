/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import type { Row } from "../reports/run.ts";
import { Bytes, Count, Digest, When } from "./format.tsx";

/** One column of a report's rows: its heading, and how a row reads in it. */
export type Column = {
  label: string;
  /** right-aligned, as figures and times are */
  num?: boolean;
  cell: (row: Row) => Child;
  /** a heading that links (a sortable column), and which way the rows are sorted by it */
  href?: string;
  sorted?: "ascending" | "descending";
};

/** Every table of the dashboard: a report's rows, one column each as the page names them. */
export const Table = (props: { id?: string; rows: Row[]; columns: Column[] }) => (
  <table id={props.id}>
    <thead>
      <tr>
        {props.columns.map((c) => (
          <th class={c.num ? "num" : undefined} aria-sort={c.sorted}>
            {c.href ? <a href={c.href}>{c.label}</a> : c.label}
          </th>
        ))}
      </tr>
    </thead>
    <tbody>
      {props.rows.map((row) => (
        <tr>
          {props.columns.map((c) => (
            <td class={c.num ? "num" : undefined}>{c.cell(row)}</td>
          ))}
        </tr>
      ))}
    </tbody>
  </table>
);

/** A text column; a null (an untagged manifest's tag) reads as a dash. */
export const text = (label: string, key: string): Column => ({
  label,
  cell: (r) => (r[key] === null || r[key] === undefined ? <span class="none">-</span> : String(r[key])),
});
export const bytes = (label: string, key: string): Column => ({ label, num: true, cell: (r) => <Bytes value={r[key]} /> });
export const count = (label: string, key: string): Column => ({ label, num: true, cell: (r) => <Count value={r[key]} /> });
export const when = (label: string, key: string, { num = true } = {}): Column => ({ label, num, cell: (r) => <When value={r[key]} /> });
export const digest = (label = "Digest", key = "digest"): Column => ({ label, cell: (r) => <Digest value={r[key]} /> });

export const repositoryHref = (registry: unknown, repository: unknown) =>
  `/dashboard/repository?${new URLSearchParams({ registry: String(registry), repository: String(repository) })}`;

/** registry/repository, linking to the repository's page unless `link` is false. */
export const repository = ({ link = true } = {}): Column => ({
  label: "Repository",
  cell: (r) => {
    const name = `${r.registry}/${r.repository}`;
    return link ? <a href={repositoryHref(r.registry, r.repository)}>{name}</a> : name;
  },
});
