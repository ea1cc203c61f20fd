/** @jsxImportSource hono/jsx */
import type { Row } from "../../reports/run.ts";
import { Bytes, Count, Digest, When } from "../format.tsx";
import { repositoryHref } from "./repositories.tsx";

/** Rows of the images, older-than and not-pulled reports: one live tag each. */
export function ImagesTable(props: { rows: Row[]; id: string; repositoryColumn?: boolean; idle?: boolean }) {
  return (
    <table id={props.id}>
      <thead>
        <tr>
          {props.repositoryColumn === false ? null : <th>Repository</th>}
          <th>Tag</th>
          <th>Digest</th>
          <th class="num">Size</th>
          <th class="num">Pushed</th>
          <th class="num">Pulled</th>
          <th class="num">Pulls</th>
          {props.idle ? <th class="num">Idle since</th> : null}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr>
            {props.repositoryColumn === false ? null : (
              <td>
                <a href={repositoryHref(r.registry, r.repository)}>{`${r.registry}/${r.repository}`}</a>
              </td>
            )}
            <td>{String(r.tag)}</td>
            <td>
              <Digest value={r.digest} />
            </td>
            <td class="num">
              <Bytes value={r.size} />
            </td>
            <td class="num">
              <When value={r.pushed} />
            </td>
            <td class="num">
              <When value={r.pulled} />
            </td>
            <td class="num">
              <Count value={r.pull_count} />
            </td>
            {props.idle ? (
              <td class="num">
                <When value={r.idle_since} />
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
