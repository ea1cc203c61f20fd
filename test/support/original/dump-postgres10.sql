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
