-- Taken at the start of every batch, for its transaction only: ingest statements touch a few rows of tables
-- that keep growing, often before autovacuum has analyzed them again. Expecting 100 rows from each JSON
-- batch and trusting old table sizes, the planner would hash or scan whole tables (the event log, blobs,
-- tags) where probing their indexes a few dozen times is what the batch needs.
select
  set_config('enable_seqscan', 'off', true),
  set_config('enable_hashjoin', 'off', true),
  set_config('enable_mergejoin', 'off', true)
