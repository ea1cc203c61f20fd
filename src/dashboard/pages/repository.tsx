/** @jsxImportSource hono/jsx */
import { AppError } from "../../errors.ts";
import { Bytes, Count, When } from "../format.tsx";
import { Layout, Pager, ReportLink } from "../layout.tsx";
import type { Given, Read } from "../read.ts";
import { ActivityChart } from "./activity-chart.tsx";
import { HistoryChart } from "./history-chart.tsx";
import { ImagesTable } from "./images-table.tsx";

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
      <section id="summary">
        <h2>
          Holdings <ReportLink href={summary.href} />
        </h2>
        {row ? (
          <dl class="figures">
            <div class="figure">
              <dt class="label">Bytes (deduplicated)</dt>
              <dd class="value" id="bytes">
                <Bytes value={row.bytes} />
              </dd>
            </div>
            <div class="figure">
              <dt class="label">Tags</dt>
              <dd class="value" id="tags">
                <Count value={row.tags} />
              </dd>
            </div>
            <div class="figure">
              <dt class="label">Manifests</dt>
              <dd class="value" id="manifests">
                <Count value={row.manifests} />
              </dd>
            </div>
            <div class="figure">
              <dt class="label">Pulls</dt>
              <dd class="value" id="pulls">
                <Count value={row.pulls} />
              </dd>
            </div>
            <div class="figure">
              <dt class="label">Last push</dt>
              <dd class="value">
                <When value={row.last_push} />
              </dd>
            </div>
            <div class="figure">
              <dt class="label">Last pull</dt>
              <dd class="value">
                <When value={row.last_pull} />
              </dd>
            </div>
          </dl>
        ) : (
          <p class="none">This repository holds no live manifest.</p>
        )}
      </section>
      <section id="growth">
        <h2>
          Bytes per day, last 30 days <ReportLink href={history.href} />
        </h2>
        <HistoryChart
          label="Bytes at the end of each UTC day"
          rows={history.rows.filter((r) => r.repository === name)}
          columns={[
            ["bytes", "bytes"],
            ["exclusive_bytes", "only here"],
          ]}
          bytes
        />
      </section>
      <section id="tags-section">
        <h2>
          Tags <ReportLink href={images.href} />
        </h2>
        <ImagesTable id="tags" rows={tags} repositoryColumn={false} />
        <Pager path="/dashboard/repository" query={{ ...scope, limit: query.limit, cursor: query.cursor }} next={more} />
      </section>
      <section id="activity">
        <h2>
          Pushes and pulls per day, last 30 days <ReportLink href={activity.href} />
        </h2>
        <p class="note">Counted for every repository whose name starts with {name}.</p>
        <ActivityChart rows={activity.rows} />
      </section>
    </Layout>
  );
}
