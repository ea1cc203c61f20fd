/**
 * Databases as the original Go regstat (github.com/vleurgat/regstat, Apache-2.0) left them, for the
 * adoption tests. `originalDdl` is its schema, character for character: `postgresSchema` in
 * internal/app/database/postgres/schema.go (commit 3976939, the same text as the previous version). The
 * original sends it in one simple query (sqlx MustExec without arguments) when the schema or its `blobs`
 * table is missing, so PostgreSQL runs it as one implicit transaction: `db.exec` does the same.
 */
import type { Queryable } from "../../src/db/db.ts";

export const originalDdl = `
CREATE SCHEMA IF NOT EXISTS regstat;

CREATE TABLE IF NOT EXISTS regstat.blobs  (
	digest	text NOT NULL,
	pushed	timestamp NOT NULL,
	pulled	timestamp NULL,
	PRIMARY KEY(digest)
);

CREATE TABLE IF NOT EXISTS regstat.deleted_blobs  (
	digest 	text NOT NULL,
	pushed 	timestamp NOT NULL,
	pulled 	timestamp NULL,
	deleted	timestamp NOT NULL,
	PRIMARY KEY(digest)
);

CREATE TABLE IF NOT EXISTS regstat.deleted_manifest_blob  (
	manifest_digest	text NOT NULL,
	blob_digest    	text NOT NULL,
	PRIMARY KEY(manifest_digest,blob_digest)
);

CREATE TABLE IF NOT EXISTS regstat.deleted_manifests  (
	digest 	text NOT NULL,
	pushed 	timestamp NOT NULL,
	pulled 	timestamp NULL,
	deleted	timestamp NOT NULL,
	PRIMARY KEY(digest)
);

CREATE TABLE IF NOT EXISTS regstat.deleted_tags  (
	name           	text NOT NULL,
	registry       	text NOT NULL,
	repository     	text NOT NULL,
	tag            	text NULL,
	manifest_digest	text NOT NULL,
	pushed         	timestamp NOT NULL,
	pulled         	timestamp NULL,
	deleted        	timestamp NOT NULL,
	PRIMARY KEY(name)
);

CREATE TABLE IF NOT EXISTS regstat.manifest_blob  (
	manifest_digest	text NOT NULL,
	blob_digest    	text NOT NULL,
	PRIMARY KEY(manifest_digest,blob_digest)
);

CREATE TABLE IF NOT EXISTS regstat.manifests  (
	digest	text NOT NULL,
	pushed	timestamp NOT NULL,
	pulled	timestamp NULL,
	PRIMARY KEY(digest)
);

CREATE TABLE IF NOT EXISTS regstat.tags  (
	name           	text NOT NULL,
	registry       	text NOT NULL,
	repository     	text NOT NULL,
	tag            	text NULL,
	manifest_digest	text NOT NULL,
	pushed         	timestamp NOT NULL,
	pulled         	timestamp NULL,
	PRIMARY KEY(name)
);

CREATE INDEX IF NOT EXISTS blob_digest
	ON regstat.manifest_blob USING btree (blob_digest);

CREATE INDEX IF NOT EXISTS deleted_blob_digest
	ON regstat.deleted_manifest_blob USING btree (blob_digest);

ALTER TABLE regstat.manifest_blob
  DROP CONSTRAINT IF EXISTS manifests_fkey;

ALTER TABLE regstat.manifest_blob
	ADD CONSTRAINT manifests_fkey
	FOREIGN KEY(manifest_digest)
	REFERENCES regstat.manifests(digest)
	ON DELETE NO ACTION
	ON UPDATE NO ACTION;

ALTER TABLE regstat.manifest_blob
  DROP CONSTRAINT IF EXISTS blobs_fkey;

ALTER TABLE regstat.manifest_blob
	ADD CONSTRAINT blobs_fkey
	FOREIGN KEY(blob_digest)
	REFERENCES regstat.blobs(digest)
	ON DELETE NO ACTION
	ON UPDATE NO ACTION;

ALTER TABLE regstat.tags
  DROP CONSTRAINT IF EXISTS manifests_fkey;

ALTER TABLE regstat.tags
	ADD CONSTRAINT manifests_fkey
	FOREIGN KEY(manifest_digest)
	REFERENCES regstat.manifests(digest)
	ON DELETE NO ACTION
	ON UPDATE NO ACTION;
`;

/**
 * The same database as PostgreSQL 10's pg_dump writes it (plain format, --inserts), for a user who moved
 * the original's database from a 9.5 or 10 server to a current one by dump and restore. The original ran
 * the DDL above on those versions too; the restored catalog is the same, reached by other statements:
 * bare columns, then named constraints added with ALTER TABLE ONLY.
 */
export const originalDumpFromPostgres10 = `
SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET client_min_messages = warning;
SET row_security = off;
CREATE SCHEMA regstat;
SET default_tablespace = '';
SET default_with_oids = false;
CREATE TABLE regstat.blobs (
    digest text NOT NULL,
    pushed timestamp without time zone NOT NULL,
    pulled timestamp without time zone
);
CREATE TABLE regstat.deleted_blobs (
    digest text NOT NULL,
    pushed timestamp without time zone NOT NULL,
    pulled timestamp without time zone,
    deleted timestamp without time zone NOT NULL
);
CREATE TABLE regstat.deleted_manifest_blob (
    manifest_digest text NOT NULL,
    blob_digest text NOT NULL
);
CREATE TABLE regstat.deleted_manifests (
    digest text NOT NULL,
    pushed timestamp without time zone NOT NULL,
    pulled timestamp without time zone,
    deleted timestamp without time zone NOT NULL
);
CREATE TABLE regstat.deleted_tags (
    name text NOT NULL,
    registry text NOT NULL,
    repository text NOT NULL,
    tag text,
    manifest_digest text NOT NULL,
    pushed timestamp without time zone NOT NULL,
    pulled timestamp without time zone,
    deleted timestamp without time zone NOT NULL
);
CREATE TABLE regstat.manifest_blob (
    manifest_digest text NOT NULL,
    blob_digest text NOT NULL
);
CREATE TABLE regstat.manifests (
    digest text NOT NULL,
    pushed timestamp without time zone NOT NULL,
    pulled timestamp without time zone
);
CREATE TABLE regstat.tags (
    name text NOT NULL,
    registry text NOT NULL,
    repository text NOT NULL,
    tag text,
    manifest_digest text NOT NULL,
    pushed timestamp without time zone NOT NULL,
    pulled timestamp without time zone
);
%ROWS%
ALTER TABLE ONLY regstat.blobs
    ADD CONSTRAINT blobs_pkey PRIMARY KEY (digest);
ALTER TABLE ONLY regstat.deleted_blobs
    ADD CONSTRAINT deleted_blobs_pkey PRIMARY KEY (digest);
ALTER TABLE ONLY regstat.deleted_manifest_blob
    ADD CONSTRAINT deleted_manifest_blob_pkey PRIMARY KEY (manifest_digest, blob_digest);
ALTER TABLE ONLY regstat.deleted_manifests
    ADD CONSTRAINT deleted_manifests_pkey PRIMARY KEY (digest);
ALTER TABLE ONLY regstat.deleted_tags
    ADD CONSTRAINT deleted_tags_pkey PRIMARY KEY (name);
ALTER TABLE ONLY regstat.manifest_blob
    ADD CONSTRAINT manifest_blob_pkey PRIMARY KEY (manifest_digest, blob_digest);
ALTER TABLE ONLY regstat.manifests
    ADD CONSTRAINT manifests_pkey PRIMARY KEY (digest);
ALTER TABLE ONLY regstat.tags
    ADD CONSTRAINT tags_pkey PRIMARY KEY (name);
CREATE INDEX blob_digest ON regstat.manifest_blob USING btree (blob_digest);
CREATE INDEX deleted_blob_digest ON regstat.deleted_manifest_blob USING btree (blob_digest);
ALTER TABLE ONLY regstat.manifest_blob
    ADD CONSTRAINT blobs_fkey FOREIGN KEY (blob_digest) REFERENCES regstat.blobs(digest);
ALTER TABLE ONLY regstat.manifest_blob
    ADD CONSTRAINT manifests_fkey FOREIGN KEY (manifest_digest) REFERENCES regstat.manifests(digest);
ALTER TABLE ONLY regstat.tags
    ADD CONSTRAINT manifests_fkey FOREIGN KEY (manifest_digest) REFERENCES regstat.manifests(digest);
SELECT pg_catalog.set_config('search_path', '"$user", public', false);
`;

/** The original's tables and their columns, from the DDL above. */
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
