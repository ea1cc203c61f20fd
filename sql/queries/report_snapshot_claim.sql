-- Taken first in a refresh of the report snapshots: whether this process may refresh them now (no other
-- regstat process is refreshing), and how old the snapshots are, in milliseconds.
-- $1 the lock shared by every regstat process.
select pg_try_advisory_xact_lock($1::bigint) as locked,
  (extract(epoch from now() - s.refreshed) * 1000)::bigint as age_ms
from regstat.report_snapshots s
