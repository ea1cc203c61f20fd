-- Child manifests of a fetched list or index whose references regstat does not know
-- ($1: [{digest, registry, repository, url}]): fetched in their turn.
insert into regstat.fetch_jobs as j (digest, registry, repository, url)
select c.digest, c.registry, c.repository, c.url
from jsonb_to_recordset($1::jsonb) as c (digest text, registry text, repository text, url text)
where not exists (select 1 from regstat.manifest_blob mb where mb.manifest_digest = c.digest)
  and not exists (select 1 from regstat.manifest_children mc where mc.parent_digest = c.digest)
order by c.digest
on conflict (digest) do nothing
returning j.digest
