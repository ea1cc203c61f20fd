/**
 * Databases as the original Go regstat (github.com/vleurgat/regstat, Apache-2.0) left them, for the
 * adoption tests. original/schema.sql is its schema, character for character: `postgresSchema` in
 * internal/app/database/postgres/schema.go (commit 3976939, the same text as the previous version). The
 * original sends it in one simple query (sqlx MustExec without arguments) when the schema or its `blobs`
 * table is missing, so PostgreSQL runs it as one implicit transaction: `db.exec` does the same.
 *
 * original/dump-postgres10.sql is the same database as PostgreSQL 10's pg_dump writes it (plain format,
 * --inserts), for a user who moved the original's database from a 9.5 or 10 server to a current one by dump
 * and restore. The original ran its DDL on those versions too; the restored catalog is the same, reached by
 * other statements: bare columns, then named constraints added with ALTER TABLE ONLY. Its rows go where it
 * says %ROWS%.
 */
import type { Queryable } from "../../src/db/db.ts";
import originalDumpFromPostgres10 from "./original/dump-postgres10.sql" with { type: "text" };
import originalDdl from "./original/schema.sql" with { type: "text" };

/** The original's tables and their columns, from its schema. */
const image = ["digest", "pushed", "pulled"];
const link = ["manifest_digest", "blob_digest"];
const tag = ["name", "registry", "repository", "tag", "manifest_digest", "pushed", "pulled"];
export const originalColumns: Record<string, string[]> = {
  blobs: image,
  manifests: image,
  manifest_blob: link,
  tags: tag,
  deleted_blobs: [...image, "deleted"],
  deleted_manifests: [...image, "deleted"],
  deleted_manifest_blob: link,
  deleted_tags: [...tag, "deleted"],
};

/** An image the registry holds and the original recorded: its manifest, config and layer digests. */
export type Held = { digest: string; config: string; layers: string[] };

/**
 * Rows of every table as the original wrote them for `registry`: `held` pushed as `legacy/app:v1` and
 * pulled by tag, its manifest also pushed by digest alone (the original then records a tag row named
 * "registry/legacy/app" with tag ''); an older image `legacy/app:v0` deleted by digest (its tag and links
 * moved to the deleted_ tables, its config blob left behind); its layer, and a layer the live manifest
 * referenced, deleted by digest (the latter's link moved to deleted_manifest_blob too). Times are the
 * registry's UTC timestamps to the microsecond; `deleted` times are NOW() on a UTC server.
 */
export function originalRows(registry: string, held: Held): string {
  const gone = { digest: digest("legacy-v0"), config: digest("legacy-v0-config"), layer: digest("legacy-v0-layer") };
  const lostLayer = digest("legacy-lost-layer");
  const layer = held.layers[0]!;
  const q = (s: string | null) => (s === null ? "NULL" : `'${s}'`);
  const insert = (table: string, ...rows: (string | null)[][]) =>
    rows.map((r) => `INSERT INTO regstat.${table} VALUES (${r.map(q).join(", ")});`).join("\n");
  return [
    insert(
      "blobs",
      [held.config, "2019-03-01 10:00:01.250117", "2019-03-04 08:30:00.5"],
      [layer, "2019-03-01 10:00:00.901224", "2019-03-04 08:30:00.5"],
      [gone.config, "2019-02-01 09:00:00.1", "2019-02-01 09:00:01"],
    ),
    insert("manifests", [held.digest, "2019-03-02 11:00:00", "2019-03-04 08:30:00.5"]),
    insert("manifest_blob", [held.digest, held.config], [held.digest, layer]),
    insert(
      "tags",
      [`${registry}/legacy/app:v1`, registry, "legacy/app", "v1", held.digest, "2019-03-01 10:00:02.000431", "2019-03-04 08:30:00.5"],
      [`${registry}/legacy/app`, registry, "legacy/app", "", held.digest, "2019-03-02 11:00:00", null],
    ),
    insert(
      "deleted_blobs",
      [gone.layer, "2019-02-01 09:00:00.2", "2019-02-01 09:00:01", "2019-02-21 08:00:00.5"],
      [lostLayer, "2019-03-01 10:00:00.5", "2019-03-01 10:00:02.000431", "2019-03-05 07:00:00.125"],
    ),
    insert("deleted_manifests", [gone.digest, "2019-02-01 09:00:01", null, "2019-02-20 12:00:00.777"]),
    insert("deleted_manifest_blob", [gone.digest, gone.config], [gone.digest, gone.layer], [held.digest, lostLayer]),
    insert("deleted_tags", [
      `${registry}/legacy/app:v0`,
      registry,
      "legacy/app",
      "v0",
      gone.digest,
      "2019-02-01 09:00:01",
      null,
      "2019-02-20 12:00:00.777",
    ]),
  ].join("\n");
}

const digest = (seed: string) => `sha256:${new Bun.CryptoHasher("sha256").update(seed).digest("hex")}`;

/** A database the original left, in one of the shapes a user may hold. */
export async function createOriginal(db: Queryable, shape: "created" | "written" | "restored", rows = "") {
  if (shape === "restored") return db.exec(originalDumpFromPostgres10.replace("%ROWS%", rows));
  await db.exec(originalDdl);
  if (shape === "written") await db.exec(rows);
}
