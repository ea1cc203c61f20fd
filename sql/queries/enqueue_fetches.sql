-- Manifests whose references the registry did not send and regstat does not know ($1: the manifest
-- events that came without references):
-- fetched from the registry in the background.
insert into regstat.fetch_jobs as j (digest, registry, repository, url)
select distinct on (e.digest) e.digest, e.registry, e.repository, e.url
from jsonb_to_recordset($1::jsonb) as e (ts timestamptz, registry text, repository text, digest text, url text)
where exists (select 1 from regstat.manifests m where m.digest = e.digest)
  and not exists (select 1 from regstat.manifest_blob mb where mb.manifest_digest = e.digest)
  and not exists (select 1 from regstat.manifest_children mc where mc.parent_digest = e.digest)
order by e.digest, e.ts desc
on conflict (digest) do update set
  state = 'pending', attempts = 0, next_attempt = now(), last_error = null, updated = now(),
  registry = excluded.registry, repository = excluded.repository, url = excluded.url
where j.state <> 'pending'
