-- What regstat believes one repository holds ($1: registry, $2: repository): its live manifests and
-- blobs, and its tags with the manifest each points at.
select 'manifest' as kind, digest as name, null as target
from regstat.repository_manifests where registry = $1 and repository = $2 and deleted is null
union all
select 'blob', digest, null
from regstat.repository_blobs where registry = $1 and repository = $2 and deleted is null
union all
select 'tag', tag, manifest_digest
from regstat.tags where registry = $1 and repository = $2
