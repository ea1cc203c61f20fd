-- Taken first in every ingest transaction: writers from several regstat processes apply their batches one
-- after another, each seeing what the one before committed, as a single process's group commit does.
-- Without it, a push committed beside a concurrent delete of the same tag could each miss the other.
select pg_advisory_xact_lock(1919248243)
