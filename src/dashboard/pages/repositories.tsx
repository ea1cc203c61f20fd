/** @jsxImportSource hono/jsx */
import type { Row } from "../../reports/run.ts";
import { Bytes, Count, When } from "../format.tsx";
import { Layout, Pager, ReportLink, ScopeFields } from "../layout.tsx";
import type { Given, Read } from "../read.ts";

const columns = [
  ["repository", "Repository"],
  ["bytes", "Bytes"],
  ["exclusive_bytes", "Only here"],
  ["tags", "Tags"],
  ["manifests", "Manifests"],
  ["last_push", "Last push"],
  ["last_pull", "Last pull"],
  ["pulls", "Pulls"],
] as const;
export const sortable: string[] = columns.map(([column]) => column);

export const repositoryHref = (registry: unknown, repository: unknown) =>
  `/dashboard/repository?${new URLSearchParams({ registry: String(registry), repository: String(repository) })}`;

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
  const sort = sortable.includes(query.sort ?? "") ? query.sort : undefined;
  const descending = query.order === "desc";
  const rows = sort ? sortRows(answer.rows, sort, descending) : answer.rows;
  const sortHref = (column: string) => {
    const q = new URLSearchParams(Object.entries({ ...given, sort: column }).filter((e): e is [string, string] => !!e[1]));
    if (column === sort && !descending) q.set("order", "desc");
    return `/dashboard/repositories?${q}`;
  };
  return (
    <Layout title="Repositories" current="/dashboard/repositories">
      <form method="get" class="controls" action="/dashboard/repositories">
        <ScopeFields query={query} />
        <button type="submit">Show</button>
      </form>
      <section>
        <h2>
          Repositories <ReportLink href={answer.href} />
        </h2>
        <p class="note">Pages follow the report's order (registry, then name); a column heading sorts the page shown.</p>
        <table id="repositories">
          <thead>
            <tr>
              <th>Registry</th>
              {columns.map(([column, label]) => (
                <th
                  class={column === "repository" ? undefined : "num"}
                  aria-sort={column === sort ? (descending ? "descending" : "ascending") : undefined}
                >
                  <a href={sortHref(column)}>{label}</a>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <td>{String(r.registry)}</td>
                <td>
                  <a href={repositoryHref(r.registry, r.repository)}>{String(r.repository)}</a>
                </td>
                <td class="num">
                  <Bytes value={r.bytes} />
                </td>
                <td class="num">
                  <Bytes value={r.exclusive_bytes} />
                </td>
                <td class="num">
                  <Count value={r.tags} />
                </td>
                <td class="num">
                  <Count value={r.manifests} />
                </td>
                <td class="num">
                  <When value={r.last_push} />
                </td>
                <td class="num">
                  <When value={r.last_pull} />
                </td>
                <td class="num">
                  <Count value={r.pulls} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length ? null : <p class="none">No repository holds a live manifest.</p>}
        <Pager
          path="/dashboard/repositories"
          query={{ ...given, limit: query.limit, sort: query.sort, order: query.order }}
          next={answer.next_cursor}
        />
      </section>
    </Layout>
  );
}
