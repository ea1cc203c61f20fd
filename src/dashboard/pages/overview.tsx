/** @jsxImportSource hono/jsx */
import { Bytes, Count, When } from "../format.tsx";
import { Layout, ReportLink } from "../layout.tsx";
import type { Read } from "../read.ts";
import { ActivityChart } from "./activity-chart.tsx";
import { HistoryChart } from "./history-chart.tsx";
import { repositoryHref } from "./repositories.tsx";

const storageFigures = [
  ["deduplicated_bytes", "Stored (deduplicated)", "every blob and manifest once: what the registry's disk holds"],
  ["summed_bytes", "Summed over images", "as if every tagged image were stored alone"],
  ["orphaned_bytes", "Orphaned", "blobs no live manifest references: garbage-collect frees them"],
  ["untagged_bytes", "Untagged", "manifests no tag reaches, and the blobs only they use"],
] as const;

export async function Overview({ read }: { read: Read }) {
  const [storage, history, largest, activity, registries] = await Promise.all([
    read("storage"),
    read("storage-history", { days: "30" }),
    read("largest-repositories", { limit: "10" }),
    read("activity", { days: "30" }),
    read("registries"),
  ]);
  const totals = storage.rows[0] ?? {};
  return (
    <Layout title="Overview" current="/">
      <section id="storage">
        <h2>
          Storage <ReportLink href={storage.href} />
        </h2>
        <div class="figures">
          {storageFigures.map(([column, label, help]) => (
            <div class="figure" id={column}>
              <span class="label">{label}</span>
              <span class="value">
                <Bytes value={totals[column]} />
              </span>
              <span class="help">{help}</span>
            </div>
          ))}
        </div>
      </section>
      <section id="growth">
        <h2>
          Storage per day, last 30 days <ReportLink href={history.href} />
        </h2>
        <HistoryChart
          label="Deduplicated, orphaned and untagged bytes at the end of each UTC day"
          rows={history.rows}
          columns={[
            ["deduplicated_bytes", "deduplicated"],
            ["orphaned_bytes", "orphaned"],
            ["untagged_bytes", "untagged"],
          ]}
          bytes
        />
        <HistoryChart
          label="Images and repositories at the end of each UTC day"
          rows={history.rows}
          columns={[
            ["images", "images"],
            ["repositories", "repositories"],
          ]}
          bytes={false}
        />
      </section>
      <section id="largest">
        <h2>
          Largest repositories <ReportLink href={largest.href} />
        </h2>
        <table>
          <thead>
            <tr>
              <th>Repository</th>
              <th class="num">Bytes</th>
              <th class="num">Only here</th>
              <th class="num">Shared</th>
            </tr>
          </thead>
          <tbody>
            {largest.rows.map((r) => (
              <tr>
                <td>
                  <a href={repositoryHref(r.registry, r.repository)}>{`${r.registry}/${r.repository}`}</a>
                </td>
                <td class="num">
                  <Bytes value={r.bytes} />
                </td>
                <td class="num">
                  <Bytes value={r.exclusive_bytes} />
                </td>
                <td class="num">
                  <Bytes value={r.shared_bytes} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section id="registries">
        <h2>
          Registries <ReportLink href={registries.href} />
        </h2>
        <table>
          <thead>
            <tr>
              <th>Registry</th>
              <th>Watched since</th>
              <th>Last active</th>
              <th class="num">Repositories</th>
              <th class="num">Images</th>
              <th class="num">Tags</th>
            </tr>
          </thead>
          <tbody>
            {registries.rows.map((r) => (
              <tr>
                <td>{String(r.registry)}</td>
                <td>
                  <When value={r.watched_since} />
                </td>
                <td>
                  <When value={r.last_active} />
                </td>
                <td class="num">
                  <Count value={r.repositories} />
                </td>
                <td class="num">
                  <Count value={r.images} />
                </td>
                <td class="num">
                  <Count value={r.tags} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {registries.rows.length ? null : <p class="none">No events received yet.</p>}
      </section>
      <section id="activity">
        <h2>
          Activity per day, last 30 days <ReportLink href={activity.href} />
        </h2>
        <ActivityChart rows={activity.rows} />
      </section>
    </Layout>
  );
}
