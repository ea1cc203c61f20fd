-- Per registry regstat has heard from: since when it watches it (the first UTC day it sent an event, from
-- the per-day counts, which outlive the event log), its last day with an event, and what it holds now:
-- repositories holding a live manifest, images (distinct manifests live tags point at) and live tags.
-- A registry known only from its tags (a database adopted from the original program) has no days.
-- $1 registry ('' = all), $2 repository prefix (for the counts), $3 the registry to start after, $4 page size.
with known as (
  select d.registry collate "C" as registry, min(d.day) as first_day, max(d.day) as last_day
  from regstat.activity_daily_registry d
  group by 1
  union all
  select t.registry collate "C", null, null from regstat.tags t group by 1
),
page as (
  select k.registry, min(k.first_day) as first_day, max(k.last_day) as last_day
  from known k
  where k.registry between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
    and k.registry > $3::text
  group by k.registry
  order by k.registry
  limit $4
)
select
  p.registry,
  to_char(p.first_day, 'YYYY-MM-DD') as watched_since,
  to_char(p.last_day, 'YYYY-MM-DD') as last_active,
  (
    select count(*) from (
      select distinct rm.repository from regstat.repository_manifests rm
      where rm.registry = p.registry and rm.deleted is null
        and rm.repository collate "C" >= $2::text and rm.repository collate "C" < $2::text || chr(1114111)
    ) r
  ) as repositories,
  tagged.images,
  tagged.tags,
  jsonb_build_array(p.registry) as cursor_key
from page p
cross join lateral (
  select count(distinct t.manifest_digest) as images, count(*) as tags
  from regstat.tags t
  where t.registry = p.registry
    and t.repository collate "C" >= $2::text and t.repository collate "C" < $2::text || chr(1114111)
) tagged
order by p.registry
