/** @jsxImportSource hono/jsx */

import { ActivityChart } from "../activity-chart.tsx";
import { Figures } from "../figures.tsx";
import { Bytes } from "../format.tsx";
import { HistoryChart } from "../history-chart.tsx";
import { Layout, Section } from "../layout.tsx";
import type { Read } from "../read.ts";
import { bytes, count, repository, Table, text, when } from "../table.tsx";

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
      <Section id="storage" title="Storage" href={storage.href}>
        <Figures
          figures={storageFigures.map(([column, label, help]) => ({ id: column, label, value: <Bytes value={totals[column]} />, help }))}
        />
      </Section>
      <Section id="growth" title="Storage per day, last 30 days" href={history.href}>
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
      </Section>
      <Section id="largest" title="Largest repositories" href={largest.href}>
        <Table
          rows={largest.rows}
          columns={[repository(), bytes("Bytes", "bytes"), bytes("Only here", "exclusive_bytes"), bytes("Shared", "shared_bytes")]}
        />
      </Section>
      <Section id="registries" title="Registries" href={registries.href}>
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
      </Section>
      <Section id="activity" title="Activity per day, last 30 days" href={activity.href}>
        <ActivityChart rows={activity.rows} />
      </Section>
    </Layout>
  );
}
