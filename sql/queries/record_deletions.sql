-- The deletion audit ($1: event ids): every delete, whatever regstat knew of its target.
insert into regstat.deletions (event_id, deleted, kind, registry, repository, digest, tag)
select e.id, e.ts, e.kind, e.registry, e.repository, e.digest, e.tag
from regstat.events e
where e.id in (select jsonb_array_elements_text($1::jsonb)) and e.action = 'delete'
order by e.id
on conflict (event_id) do nothing
