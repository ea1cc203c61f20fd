/** @jsxImportSource hono/jsx */
import { Bytes } from "../format.tsx";
import { Layout, ReportLink } from "../layout.tsx";
import type { Read } from "../read.ts";
import { bytes, count, repository, Table, text, when } from "../table.tsx";
import { ActivityChart } from "./activity-chart.tsx";
import { HistoryChart } from "./history-chart.tsx";

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
        <Table
          rows={largest.rows}
          columns={[repository(), bytes("Bytes", "bytes"), bytes("Only here", "exclusive_bytes"), bytes("Shared", "shared_bytes")]}
        />
      </section>
      <section id="registries">
        <h2>
          Registries <ReportLink href={registries.href} />
        </h2>
        <Table
          rows={registries.rows}
          columns={[
            text("Registry", "registry"),
            when("Watched since", "watched_since", { num: false }),
            when("Last active", "last_active", { num: false }),
            count("Repositories", "repositories"),
            count("Images", "images"),
            count("Tags", "tags"),
          ]}
        />
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
