/** @jsxImportSource hono/jsx */
import { Digest, When } from "../format.tsx";
import { Layout, Pager, ReportLink, ScopeFields } from "../layout.tsx";
import type { Given, Read } from "../read.ts";

/** The audit trail: every delete the registry reported, newest first. */
export async function Deletions({ read, query }: { read: Read; query: Given }) {
  const given = {
    since: query.since,
    registry: query.registry,
    repository: query.repository,
    limit: query.limit ?? "100",
    cursor: query.cursor,
  };
  const answer = await read("deletions", given);
  return (
    <Layout title="Deletions" current="/dashboard/deletions">
      <form method="get" class="controls" action="/dashboard/deletions">
        <label>
          Since <input name="since" value={query.since ?? ""} placeholder="7d or 2026-01-31" />
        </label>
        <ScopeFields query={query} />
        <button type="submit">Show</button>
      </form>
      <section>
        <h2>
          Deletions <ReportLink href={answer.href} />
        </h2>
        <table id="deletions">
          <thead>
            <tr>
              <th>Deleted</th>
              <th>Kind</th>
              <th>Repository</th>
              <th>Digest</th>
              <th>Tag</th>
              <th>Event</th>
            </tr>
          </thead>
          <tbody>
            {answer.rows.map((r) => (
              <tr>
                <td>
                  <When value={r.deleted} />
                </td>
                <td>{String(r.kind)}</td>
                <td>{`${r.registry}/${r.repository}`}</td>
                <td>
                  <Digest value={r.digest} />
                </td>
                <td>{r.tag === null ? <span class="none">-</span> : String(r.tag)}</td>
                <td>
                  <code>{String(r.event_id)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {answer.rows.length ? null : <p class="none">Nothing was deleted.</p>}
        <Pager path="/dashboard/deletions" query={{ ...given, limit: query.limit }} next={answer.next_cursor} />
      </section>
    </Layout>
  );
}
