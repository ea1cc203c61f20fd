-- Dead letters that still do not apply get the reason and cause today's rules give ($1: id, reason, cause).
update regstat.dead_letters d
set reason = r.reason, cause = r.cause
from jsonb_to_recordset($1::jsonb) as r (id text, reason text, cause text)
where d.id = r.id and (d.reason, d.cause) is distinct from (r.reason, r.cause)
