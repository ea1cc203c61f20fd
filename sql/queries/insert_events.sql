-- Logs a batch of events; returns the ids not seen before, so a redelivered event changes nothing.
insert into regstat.events (
  id, ts, clamped_from, action, kind, registry, repository, digest, tag, media_type, size, method,
  from_repository, refs, url, actor, user_agent, uncounted, source_addr, source_instance, request_id
)
select
  e.id, e.ts, e.clamped_from, e.action, e.kind, e.registry, e.repository, e.digest, e.tag, e.media_type, e.size, e.method,
  e.from_repository, e.refs, e.url, e.actor, e.user_agent, e.uncounted, e.source_addr, e.source_instance, e.request_id
from jsonb_to_recordset($1::jsonb) as e (
  id text, ts timestamptz, clamped_from timestamptz, action text, kind text, registry text, repository text, digest text, tag text,
  media_type text, size bigint, method text, from_repository text, refs jsonb, url text, actor text,
  user_agent text, uncounted text, source_addr text, source_instance text, request_id text
)
order by e.id
on conflict (id) do nothing
returning id
