-- The registries report (sql/queries/report_registries.sql) from index ranges instead of whole tables:
-- each registry's first and last day with an event, and the registries themselves walked one probe each,
-- from the per-day counts; each registry's images (distinct manifests its tags point at) counted in digest
-- order, the repository beside it for a repository prefix, without reading the rows.
create index activity_daily_registry_registry_idx on regstat.activity_daily_registry (registry collate "C", day);
create index tags_registry_manifest_idx on regstat.tags (registry collate "C", manifest_digest) include (repository);
