-- A finished reconciliation of one registry ($1 registry, $2 url, $3 started, $4 errors): the coverage it gives.
insert into regstat.registry_syncs as s (registry, url, started, finished, errors)
values ($1, $2, $3, now(), $4)
on conflict (registry) do update set url = excluded.url, started = excluded.started, finished = excluded.finished, errors = excluded.errors
