/** @jsxImportSource hono/jsx */
import { AppError } from "../../errors.ts";
import { ActivityChart } from "../activity-chart.tsx";
import { Figures } from "../figures.tsx";
import { Bytes, Count, When } from "../format.tsx";
import { HistoryChart } from "../history-chart.tsx";
import { ImagesTable } from "../images-table.tsx";
import { Layout, Pager, Section } from "../layout.tsx";
import type { Given, Read } from "../read.ts";

/**
 * One repository. The reports take a name prefix; the exact name sorts first among the names it starts,
 * so the first rows are this repository's and the rest (longer names) are left out.
 */
export async function Repository({ read, query }: { read: Read; query: Given }) {
  const registry = query.registry ?? "";
  const name = query.repository ?? "";
  if (!registry || !name) throw new AppError(400, "invalid_parameter", "registry and repository are required");
  const scope = { registry, repository: name };
  const [summary, history, images, activity] = await Promise.all([
    read("repositories", { ...scope, limit: "1" }),
    read("repository-history", { ...scope, days: "30", limit: "30" }),
    read("images", { ...scope, limit: query.limit ?? "100", cursor: query.cursor }),
    read("activity", { ...scope, days: "30" }),
  ]);
  const row = summary.rows.find((r) => r.repository === name);
  const tags = images.rows.filter((r) => r.repository === name);
  const more = tags.length === images.rows.length ? images.next_cursor : null;
  return (
    <Layout title={`${registry}/${name}`} current="/dashboard/repositories">
      <Section id="summary" title="Holdings" href={summary.href}>
        {row ? (
          <Figures
            figures={[
              { id: "bytes", label: "Bytes (deduplicated)", value: <Bytes value={row.bytes} /> },
              { id: "tags", label: "Tags", value: <Count value={row.tags} /> },
              { id: "manifests", label: "Manifests", value: <Count value={row.manifests} /> },
              { id: "pulls", label: "Pulls", value: <Count value={row.pulls} /> },
              { label: "Last push", value: <When value={row.last_push} /> },
              { label: "Last pull", value: <When value={row.last_pull} /> },
            ]}
          />
        ) : (
          <p class="none">This repository holds no live manifest.</p>
        )}
      </Section>
      <Section id="growth" title="Bytes per day, last 30 days" href={history.href}>
        <HistoryChart
          label="Bytes at the end of each UTC day"
          rows={history.rows.filter((r) => r.repository === name)}
          columns={[
            ["bytes", "bytes"],
            ["exclusive_bytes", "only here"],
          ]}
          bytes
        />
      </Section>
      <Section id="tags-section" title="Tags" href={images.href}>
        <ImagesTable id="tag-list" rows={tags} repositoryColumn={false} />
        <Pager path="/dashboard/repository" query={{ ...scope, limit: query.limit, cursor: query.cursor }} next={more} />
      </Section>
      <Section id="activity" title="Pushes and pulls per day, last 30 days" href={activity.href}>
        <p class="note">Counted for every repository whose name starts with {name}.</p>
        <ActivityChart rows={activity.rows} />
      </Section>
    </Layout>
  );
}
