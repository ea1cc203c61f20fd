import type { Queryable } from "../src/db/db.ts";

/**
 * A generated registry, set-based (`generate_series`), at `scale` times a large company's: 20,000
 * repositories, 200,000 tags, 100,000 manifests (6,250 of them two-platform indexes), 1,000,000 blobs,
 * 3,000,000 manifest-blob links, 5,000,000 logged events over the last 90 days, per-day counts of those events
 * (per repository and per registry, as the ingest keeps them) and of the year before, 50,000 deletions.
 * Shapes that make the reports work: base layers shared by many images,
 * manifests copied into a second repository (half of those copies deleted again), 8,000 blobs no manifest
 * references (orphans), and one repository-blob link in 1,000 missing (half deleted, half never seen).
 */
export function sizes(scale: number) {
  const n = (x: number) => Math.max(1, Math.round(x * scale));
  const images = n(93_750);
  return {
    repositories: n(20_000),
    tags: n(200_000),
    images,
    indexes: n(100_000) - images,
    blobs: n(1_000_000),
    baseBlobs: n(2_000),
    orphanBlobs: n(8_000),
    links: images * 32,
    events: n(5_000_000),
    deletions: n(50_000),
  };
}

export async function generate(db: Queryable, scale: number, log: (line: string) => void) {
  const s = sizes(scale);
  const own = s.blobs - s.baseBlobs - s.orphanBlobs; // blobs that belong to images, beyond the base layers
  const digest = (prefix: string, n: string) => `'sha256:' || md5('${prefix}' || ${n}) || md5('${prefix}2' || ${n})`;
  const repo = (r: string) =>
    `case when (${r}) % 10 = 9 then 'mirror.example.com' else 'registry.example.com' end as registry, 'team-' || ((${r}) % 250) || ` +
    `'/app-' || (${r}) as repository`;

  const steps: [string, string][] = [
    ["seed", "select setseed(0.42)"],
    [
      "manifests",
      `
      insert into regstat.manifests (digest, media_type, size, pushed, pulled, pull_count)
      select ${digest("m", "m")},
        case when m > ${s.images} then 'application/vnd.oci.image.index.v1+json' else 'application/vnd.oci.image.manifest.v1+json' end,
        500 + m % 3000, now() - random() * interval '730 days',
        case when random() < 0.6 then now() - random() * interval '90 days' end, (random() * 100)::int
      from generate_series(1, ${s.images + s.indexes}) m`,
    ],
    [
      "blobs",
      `
      insert into regstat.blobs (digest, media_type, size, pushed, pulled, pull_count)
      select ${digest("b", "b")}, 'application/vnd.oci.image.layer.v1.tar+gzip',
        case when b <= ${s.baseBlobs} then 20000000 + (random() * 30000000)::bigint else 1000 + (random() * 20000000)::bigint end,
        now() - random() * interval '730 days',
        case when random() < 0.3 then now() - random() * interval '90 days' end, (random() * 50)::int
      from generate_series(1, ${s.blobs}) b`,
    ],
    // image i (0-based) references 3 base layers and 29 layers of its own, spread over the other blobs
    [
      "manifest_blob",
      `
      insert into regstat.manifest_blob (manifest_digest, blob_digest)
      select ${digest("m", "(l / 32 + 1)")},
        ${digest(
          "b",
          `case when l % 32 < 3 then 1 + ((l / 32) * 3 + l % 32) % ${s.baseBlobs}
          else ${s.baseBlobs} + 1 + (((l / 32) * 29 + l % 32 - 3)::bigint * 7919) % ${own} end`,
        )}
      from generate_series(0, ${s.links - 1}) l`,
    ],
    // index j (0-based) has images 2j+1 and 2j+2 as its platforms
    [
      "manifest_children",
      `
      insert into regstat.manifest_children (parent_digest, child_digest, media_type, size)
      select ${digest("m", `(${s.images} + 1 + j)`)}, ${digest("m", "c")}, 'application/vnd.oci.image.manifest.v1+json', 500 + c % 3000
      from generate_series(0, ${s.indexes - 1}) j, lateral (values (2 * j + 1), (2 * j + 2)) as v (c)`,
    ],
    [
      "repository_manifests",
      `
      insert into regstat.repository_manifests (registry, repository, digest, pushed, pulled, pull_count, deleted)
      select ${repo("r")}, ${digest("m", "m")}, now() - random() * interval '730 days',
        case when random() < 0.6 then now() - random() * interval '90 days' end, (random() * 100)::int, deleted
      from (
        select m, (m - 1) % ${s.repositories} as r, null::timestamptz as deleted from generate_series(1, ${s.images}) m
        union all
        select ${s.images} + 1 + j, (2 * j) % ${s.repositories}, null from generate_series(0, ${s.indexes - 1}) j
        union all
        select 2 * j + 2, (2 * j) % ${s.repositories}, null from generate_series(0, ${s.indexes - 1}) j
        where (2 * j) % ${s.repositories} <> (2 * j + 1) % ${s.repositories}
        union all
        select m, (m + 7) % ${s.repositories}, case when m % 100 = 0 then now() - interval '10 days' end
        from generate_series(50, ${s.images}, 50) m
      ) x
      on conflict do nothing`,
    ],
    [
      "repository_blobs",
      `
      insert into regstat.repository_blobs (registry, repository, digest, pushed, deleted)
      select registry, repository, blob, now() - interval '800 days',
        case when abs(hashtext(repository || blob)) % 2000 = 1 then now() - interval '5 days' end
      from (
        select distinct rm.registry, rm.repository, mb.blob_digest as blob
        from regstat.repository_manifests rm
        join regstat.manifest_blob mb on mb.manifest_digest = rm.digest
        where rm.deleted is null
      ) x
      where abs(hashtext(repository || blob)) % 2000 <> 0`,
    ],
    [
      "orphan blobs held",
      `
      insert into regstat.repository_blobs (registry, repository, digest, pushed)
      select ${repo(`b % ${s.repositories}`)}, ${digest("b", "b")}, now() - random() * interval '730 days'
      from generate_series(${s.blobs - s.orphanBlobs + 1}, ${s.blobs}) b`,
    ],
    // tag n of repository r: v0..v8 point at the repository's images in turn, v9 at its index if it has one
    [
      "tags",
      `
      insert into regstat.tags (name, registry, repository, tag, manifest_digest, pushed, pulled, pull_count)
      select registry || '/' || repository || ':' || tag, registry, repository, tag, manifest_digest, pushed,
        case when random() < 0.65 then pushed + random() * (now() - pushed) end,
        (random() * 500)::int
      from (
        select r, ${repo("r")}, 'v' || n as tag,
          case when n = 9 and r % 2 = 0 and r / 2 < ${s.indexes} then ${digest("m", `(${s.images} + 1 + r / 2)`)}
            else ${digest("m", `(1 + r + ${s.repositories} * (n % 4))`)} end as manifest_digest,
          now() - random() * interval '730 days' as pushed
        from generate_series(0, ${s.tags - 1}) t, lateral (select t % ${s.repositories} as r, t / ${s.repositories} as n) k
      ) x`,
    ],
    [
      "events",
      `
      insert into regstat.events (id, ts, received, action, kind, registry, repository, digest, tag, size, method, actor)
      select md5('e' || e), ts, ts, action, kind, ${repo(`e % ${s.repositories}`)},
        ${digest("b", `(e % ${s.blobs} + 1)`)}, null, 1000, method, 'ci'
      from generate_series(1, ${s.events}) e,
      lateral (select now() - random() * interval '90 days' as ts, e % 100 as p) r,
      lateral (select
        case when p < 70 then 'pull' when p < 90 then 'push' when p < 98 then 'mount' else 'delete' end as action,
        case when p >= 98 then null when p % 3 = 0 then 'manifest' else 'blob' end as kind,
        case when p < 55 then 'GET' when p < 70 then 'HEAD' when p < 90 then 'PUT' when p < 98 then 'POST' else 'DELETE' end as method
      ) a
      order by ts`,
    ], // the log is written as events arrive, so its rows lie in time order
    [
      "activity_daily",
      `
      insert into regstat.activity_daily (day, registry, repository, action, count)
      select (now() at time zone 'UTC')::date - d, ${repo("r")}, action, 1 + (random() * 200)::int
      from generate_series(91, 450) d, generate_series(0, ${s.repositories - 1}) r,
        unnest(array['push', 'pull', 'head', 'mount', 'delete']) action
      where (r + d) % 40 = 0`,
    ],
    // the ingest counts every event into the per-day rollups as it stores it (migration 4): the same counts here
    [
      "activity_daily of the logged days",
      `
      insert into regstat.activity_daily (day, registry, repository, action, count)
      select (ts at time zone 'UTC')::date, registry, repository,
        case when action = 'pull' and method = 'HEAD' then 'head' else action end, count(*)
      from regstat.events
      group by 1, 2, 3, 4
      on conflict (day, registry, repository, action) do update set count = regstat.activity_daily.count + excluded.count`,
    ],
    [
      "activity_daily_registry",
      `
      insert into regstat.activity_daily_registry (day, registry, action, count)
      select day, registry, action, sum(count) from regstat.activity_daily group by 1, 2, 3`,
    ],
    [
      "deletions",
      `
      insert into regstat.deletions (event_id, deleted, kind, registry, repository, digest, tag)
      select md5('d' || n), now() - random() * interval '730 days',
        (array['manifest', 'blob', 'tag', 'unknown'])[1 + n % 4], ${repo(`n % ${s.repositories}`)},
        case when n % 4 <> 2 then ${digest("d", "n")} end, case when n % 4 = 2 then 'v' || n end
      from generate_series(1, ${s.deletions}) n`,
    ],
  ];
  for (const [name, text] of steps) {
    const started = performance.now();
    await db.query(text);
    log(`generated ${name} in ${((performance.now() - started) / 1000).toFixed(1)}s`);
  }
}
