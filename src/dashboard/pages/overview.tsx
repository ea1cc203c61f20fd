/** @jsxImportSource hono/jsx */
import { Bytes, Count, When } from "../format.tsx";
import { ActivityChart } from "./activity-chart.tsx";
import { Layout, ReportLink } from "../layout.tsx";
import type { Read } from "../read.ts";

const storageFigures = [
  ["deduplicated_bytes", "Stored (deduplicated)", "every blob and manifest once: what the registry's disk holds"],
  ["summed_bytes", "Summed over images", "as if every tagged image were stored alone"],
  ["orphaned_bytes", "Orphaned", "blobs no live manifest references: garbage-collect frees them"],
  ["untagged_bytes", "Untagged", "manifests no tag reaches, and the blobs only they use"],
] as const;

export async function Overview({ read }: { read: Read }) {
  const [storage, activity, registries] = await Promise.all([
    read("storage"),
    read("activity", { days: "30" }),
    read("registries"),
  ]);
  const totals = storage.rows[0] ?? {};
  return (
    <Layout title="Overview" current="/">
      <section id="storage">
        <h2>Storage <ReportLink href={storage.href} /></h2>
        <div class="figures">
          {storageFigures.map(([column, label, help]) => (
            <div class="figure" id={column}>
              <span class="label">{label}</span>
              <span class="value"><Bytes value={totals[column]} /></span>
              <span class="help">{help}</span>
            </div>
          ))}
        </div>
      </section>
      <section id="registries">
        <h2>Registries <ReportLink href={registries.href} /></h2>
        <table>
          <thead>
            <tr><th>Registry</th><th>Watched since</th><th>Last active</th><th class="num">Repositories</th><th class="num">Images</th><th class="num">Tags</th></tr>
          </thead>
          <tbody>
            {registries.rows.map((r) => (
              <tr>
                <td>{String(r.registry)}</td>
                <td><When value={r.watched_since} /></td>
                <td><When value={r.last_active} /></td>
                <td class="num"><Count value={r.repositories} /></td>
                <td class="num"><Count value={r.images} /></td>
                <td class="num"><Count value={r.tags} /></td>
              </tr>
            ))}
          </tbody>
        </table>
        {registries.rows.length ? null : <p class="none">No events received yet.</p>}
      </section>
      <section id="activity">
        <h2>Activity per day, last 30 days <ReportLink href={activity.href} /></h2>
        <ActivityChart rows={activity.rows} />
      </section>
    </Layout>
  );
}
