-- Per registry regstat has heard from: since when it watches it (the first UTC day it sent an event, from
-- the per-day counts, which outlive the event log), its last day with an event, and what it holds now:
-- repositories holding a live manifest, images (distinct manifests live tags point at) and live tags.
-- A registry known only from its tags (a database adopted from the original program) has no days.
-- The registries are walked one index probe each in the tags and in the per-day counts (a loose index scan,
-- migration 19's activity_daily_registry_registry_idx). Their counts are kept (registry_counts, migration 19);
-- with a repository prefix they are counted from the prefix's tags and live manifests.
-- $1 registry ('' = all), $2 repository prefix (for the counts), $3 the registry to start after, $4 page size.
with recursive known as (
  select least(
    (
      select t.registry collate "C" from regstat.tags t
      where t.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
        and t.registry collate "C" > $3::text
      order by t.registry collate "C" limit 1
    ),
    (
      select d.registry collate "C" from regstat.activity_daily_registry d
      where d.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
        and d.registry collate "C" > $3::text
      order by d.registry collate "C" limit 1
    )
  ) as registry
  union all
  select least(
    (
      select t.registry collate "C" from regstat.tags t
      where t.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
        and t.registry collate "C" > k.registry
      order by t.registry collate "C" limit 1
    ),
    (
      select d.registry collate "C" from regstat.activity_daily_registry d
      where d.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
        and d.registry collate "C" > k.registry
      order by d.registry collate "C" limit 1
    )
  )
  from known k
  where k.registry is not null
),
page as (
  select k.registry from known k where k.registry is not null limit $4
)
select
  p.registry,
  to_char(
    (select min(d.day) from regstat.activity_daily_registry d where d.registry collate "C" = p.registry), 'YYYY-MM-DD'
  ) as watched_since,
  to_char(
    (select max(d.day) from regstat.activity_daily_registry d where d.registry collate "C" = p.registry), 'YYYY-MM-DD'
  ) as last_active,
  -- over the whole registry the counts migration 19 keeps; for a repository prefix, its tags and live manifests
  case when $2::text = '' then coalesce(c.repositories, 0) else (
    select count(*) from (
      select distinct rm.repository collate "C" from regstat.repository_manifests rm
      where rm.registry collate "C" = p.registry and rm.deleted is null
        and rm.repository collate "C" >= $2::text and rm.repository collate "C" < $2::text || chr(1114111)
    ) r
  ) end as repositories,
  case when $2::text = '' then coalesce(c.images, 0) else tagged.images end as images,
  case when $2::text = '' then coalesce(c.tags, 0) else tagged.tags end as tags,
  jsonb_build_array(p.registry) as cursor_key
from page p
left join regstat.registry_counts c on c.registry = p.registry
-- one pass over the prefix's tags, and none without a prefix (a constant false filter)
cross join lateral (
  select count(distinct t.manifest_digest) as images, count(*) as tags
  from regstat.tags t
  where $2::text <> '' and t.registry collate "C" = p.registry
    and t.repository collate "C" >= $2::text and t.repository collate "C" < $2::text || chr(1114111)
) tagged
order by p.registry
