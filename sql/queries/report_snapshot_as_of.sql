-- When the report snapshots were computed (the start of the refresh that wrote them).
select refreshed as as_of from regstat.report_snapshots
