-- Dead letters after ($1 received, $2 id; null: from the first), oldest first, $3 at most: what replay and
-- `regstat dead-letters` read. `after` is `received` as text, to page on ($1 text too): a JavaScript Date would lose its
-- microseconds, and the page would start again at its own last row.
select d.id, d.received, d.received::text as after, d.reason, d.event
from regstat.dead_letters d
where (d.received, d.id) > (coalesce($1::text::timestamptz, '-infinity'), $2::text)
order by d.received, d.id
limit $3
