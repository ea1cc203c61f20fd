-- The repositories regstat believes a registry holds something in ($1: registry).
select repository from regstat.repository_manifests where registry = $1 and deleted is null
union
select repository from regstat.repository_blobs where registry = $1 and deleted is null
union
select repository from regstat.tags where registry = $1
order by 1
