/** @jsxImportSource hono/jsx */
import type { Row } from "../../reports/run.ts";
import { Layout, Pager, ScopeFields, Section } from "../layout.tsx";
import type { Given, Read } from "../read.ts";
import { bytes, type Column, count, repositoryHref, Table, text, when } from "../table.tsx";

/** The columns a heading sorts the page by, keyed by the report's column. */
const sortable: Record<string, Column> = {
  repository: { label: "Repository", cell: (r) => <a href={repositoryHref(r.registry, r.repository)}>{String(r.repository)}</a> },
  bytes: bytes("Bytes", "bytes"),
  exclusive_bytes: bytes("Only here", "exclusive_bytes"),
  tags: count("Tags", "tags"),
  manifests: count("Manifests", "manifests"),
  last_push: when("Last push", "last_push"),
  last_pull: when("Last pull", "last_pull"),
  pulls: count("Pulls", "pulls"),
};

/** Rows of one page in a column's order; nulls (never pulled) last. */
function sortRows(rows: Row[], column: string, descending: boolean) {
  const key = (row: Row) => row[column];
  return [...rows].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    const order = (x as number | string) < (y as number | string) ? -1 : 1;
    return descending ? -order : order;
  });
}

export async function Repositories({ read, query }: { read: Read; query: Given }) {
  const given = { registry: query.registry, repository: query.repository, limit: query.limit ?? "50", cursor: query.cursor };
  const answer = await read("repositories", given);
  const sort = query.sort && Object.hasOwn(sortable, query.sort) ? query.sort : undefined;
  const descending = query.order === "desc";
  const rows = sort ? sortRows(answer.rows, sort, descending) : answer.rows;
  const sortHref = (column: string) => {
    const q = new URLSearchParams(Object.entries({ ...given, sort: column }).filter((e): e is [string, string] => !!e[1]));
    if (column === sort && !descending) q.set("order", "desc");
    return `/dashboard/repositories?${q}`;
  };
  const headings = Object.entries(sortable).map(([column, c]): Column => {
    const sorted = column === sort ? (descending ? "descending" : "ascending") : undefined;
    return { ...c, href: sortHref(column), sorted };
  });
  return (
    <Layout title="Repositories" current="/dashboard/repositories">
      <form method="get" class="controls" action="/dashboard/repositories">
        <ScopeFields query={query} />
        <button type="submit">Show</button>
      </form>
      <Section title="Repositories" href={answer.href}>
        <p class="note">Pages follow the report's order (registry, then name); a column heading sorts the page shown.</p>
        <Table id="repositories" rows={rows} columns={[text("Registry", "registry"), ...headings]} />
        {rows.length ? null : <p class="none">No repository holds a live manifest.</p>}
        <Pager
          path="/dashboard/repositories"
          query={{ ...given, limit: query.limit, sort: query.sort, order: query.order }}
          next={answer.next_cursor}
        />
      </Section>
    </Layout>
  );
}
