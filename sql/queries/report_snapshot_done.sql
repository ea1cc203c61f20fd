-- The snapshots hold the data as of the start of the transaction that refreshed them. $1 how long that took.
update regstat.report_snapshots set refreshed = now(), took_ms = $1::int
