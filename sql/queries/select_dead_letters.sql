-- Dead letters after ($1 received, $2 id), oldest first, $3 at most: what replay and `regstat dead-letters` read.
select d.id, d.received, d.reason, d.event
from regstat.dead_letters d
where (d.received, d.id) > ($1::timestamptz, $2::text)
order by d.received, d.id
limit $3
