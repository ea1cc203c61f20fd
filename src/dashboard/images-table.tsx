/** @jsxImportSource hono/jsx */
import type { Row } from "../reports/run.ts";
import { bytes, type Column, count, digest, repository, Table, text, when } from "./table.tsx";

/** Rows of the images, older-than and not-pulled reports: one live tag each. */
export function ImagesTable(props: { rows: Row[]; id: string; repositoryColumn?: boolean; idle?: boolean }) {
  const columns: Column[] = [
    ...(props.repositoryColumn === false ? [] : [repository()]),
    text("Tag", "tag"),
    digest(),
    bytes("Size", "size"),
    when("Pushed", "pushed"),
    when("Pulled", "pulled"),
    count("Pulls", "pull_count"),
    ...(props.idle ? [when("Idle since", "idle_since")] : []),
  ];
  return <Table id={props.id} rows={props.rows} columns={columns} />;
}
