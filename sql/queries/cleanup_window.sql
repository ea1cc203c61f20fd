-- The next repositories a cleanup page looks at: those holding a tag or a live manifest, at or after
-- ($3, $4) in byte order, matching the registry ($1, '' = all) and repository-prefix ($2) filters; $5 of them.
select w.registry, w.repository
from (
  (
    select distinct t.registry collate "C" as registry, t.repository collate "C" as repository
    from regstat.tags t
    where t.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
      and t.repository collate "C" >= $2::text and t.repository collate "C" < $2::text || chr(1114111)
      and (t.registry collate "C", t.repository collate "C") >= ($3::text, $4::text)
    order by 1, 2
    limit $5
  )
  union
  (
    select distinct rm.registry collate "C", rm.repository collate "C"
    from regstat.repository_manifests rm
    where rm.deleted is null
      and rm.registry collate "C" between $1::text and case when $1::text = '' then chr(1114111) else $1::text end
      and rm.repository collate "C" >= $2::text and rm.repository collate "C" < $2::text || chr(1114111)
      and (rm.registry collate "C", rm.repository collate "C") >= ($3::text, $4::text)
    order by 1, 2
    limit $5
  )
) w
order by 1, 2
limit $5
