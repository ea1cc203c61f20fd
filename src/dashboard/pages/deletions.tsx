/** @jsxImportSource hono/jsx */
import { Layout, Pager, ScopeFields, Section } from "../layout.tsx";
import type { Given, Read } from "../read.ts";
import { digest, repository, Table, text, when } from "../table.tsx";

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
      <Section title="Deletions" href={answer.href}>
        <Table
          id="deletions"
          rows={answer.rows}
          columns={[
            when("Deleted", "deleted", { num: false }),
            text("Kind", "kind"),
            repository({ link: false }),
            digest(),
            text("Tag", "tag"),
            { label: "Event", cell: (r) => <code>{String(r.event_id)}</code> },
          ]}
        />
        {answer.rows.length ? null : <p class="none">Nothing was deleted.</p>}
        <Pager path="/dashboard/deletions" query={{ ...given, limit: query.limit }} next={answer.next_cursor} />
      </Section>
    </Layout>
  );
}
