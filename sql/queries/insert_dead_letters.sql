insert into regstat.dead_letters (id, reason, event, cause)
select d.id, d.reason, d.event, coalesce(d.cause, 'event')
from jsonb_to_recordset($1::jsonb) as d (id text, reason text, event jsonb, cause text)
order by d.id
on conflict (id) do nothing
returning id
