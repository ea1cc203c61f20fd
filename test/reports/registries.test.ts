import { afterAll, beforeAll, expect, test } from "bun:test";
import { checkAggregates, describeDifference } from "../../src/aggregates/check.ts";
import type { Db } from "../../src/db/db.ts";
import { testApp } from "../support/app.ts";
import { expectConsistent } from "../support/check.ts";
import { freshDb } from "../support/db.ts";
import { type App, allPages, report } from "./support.ts";

// Registries known three ways: from the per-day counts only (they sent events, hold nothing now), from its tags
// only (a database adopted from the original program), from both. The report walks them from both, in byte order.
let db: Db;
let app: App;
const M1 = `sha256:${"1".repeat(64)}`;
const M2 = `sha256:${"2".repeat(64)}`;
beforeAll(async () => {
  db = await freshDb();
  app = testApp(db);
  await db.query(
    `insert into regstat.manifests (digest, media_type, size) values
       ($1, 'application/vnd.oci.image.manifest.v1+json', 500), ($2, 'application/vnd.oci.image.manifest.v1+json', 700)`,
    [M1, M2],
  );
  await db.query(
    `insert into regstat.repository_manifests (registry, repository, digest, pushed) values
       ('b.example', 'team/app', $1, now()), ('b.example', 'team/app', $2, now()), ('b.example', 'zoo/app', $1, now()),
       ('c.example', 'team/app', $1, now())`,
    [M1, M2],
  );
  await db.query(
    `insert into regstat.tags (name, registry, repository, tag, manifest_digest, pushed) values
       ('b.example/team/app:v1', 'b.example', 'team/app', 'v1', $1, now()),
       ('b.example/team/app:v2', 'b.example', 'team/app', 'v2', $2, now()),
       ('b.example/team/app:latest', 'b.example', 'team/app', 'latest', $2, now()),
       ('b.example/zoo/app:v1', 'b.example', 'zoo/app', 'v1', $1, now()),
       ('c.example/team/app:v1', 'c.example', 'team/app', 'v1', $1, now())`,
    [M1, M2],
  );
  await db.query(
    `insert into regstat.activity_daily_registry (day, registry, action, count) values
       ('2026-03-01', 'a.example', 'push', 3), ('2026-03-04', 'a.example', 'pull', 1),
       ('2026-02-01', 'c.example', 'push', 1), ('2026-02-02', 'c.example', 'push', 1), ('2026-01-09', 'd.example', 'push', 2)`,
  );
});
afterAll(() => db.close());

const a = { registry: "a.example", watched_since: "2026-03-01", last_active: "2026-03-04", repositories: 0, images: 0, tags: 0 };
const b = { registry: "b.example", watched_since: null, last_active: null, repositories: 2, images: 2, tags: 4 };
const c = { registry: "c.example", watched_since: "2026-02-01", last_active: "2026-02-02", repositories: 1, images: 1, tags: 1 };
const d = { registry: "d.example", watched_since: "2026-01-09", last_active: "2026-01-09", repositories: 0, images: 0, tags: 0 };

test("every registry known from its days or its tags, in order, counted", async () => {
  expect((await report(app, "registries")).rows).toEqual([a, b, c, d]);
  await expectConsistent(db);
});

test("pages of one walk them all, whichever table knows each", async () => {
  expect(await allPages(app, "registries", { limit: 1 })).toEqual([a, b, c, d]);
});

test("one registry, and the counts of a repository prefix", async () => {
  expect((await report(app, "registries", { registry: "b.example" })).rows).toEqual([b]);
  expect((await report(app, "registries", { registry: "a.example" })).rows).toEqual([a]);
  expect((await report(app, "registries", { repository: "team/" })).rows).toEqual([a, { ...b, repositories: 1, images: 2, tags: 3 }, c, d]);
});

test("the kept counts follow each change, in the transaction that makes it", async () => {
  await db.transaction(async (tx) => {
    // a tag moved to the image another tag names, one deleted, one named nothing
    await tx.query("update regstat.tags set manifest_digest = $1 where name = 'b.example/team/app:v2'", [M1]);
    await tx.query("delete from regstat.tags where name = 'b.example/zoo/app:v1'");
    await tx.query("update regstat.tags set manifest_digest = null where name = 'c.example/team/app:v1'");
    // zoo/app's only manifest deleted, team/app keeps one of its two
    await tx.query(
      "update regstat.repository_manifests set deleted = now() where registry = 'b.example' and (repository = 'zoo/app' or digest = $1)",
      [M2],
    );
    // pulls change no count
    await tx.query("update regstat.tags set pulled = now(), pull_count = pull_count + 1");
  });
  expect((await report(app, "registries")).rows).toEqual([a, { ...b, repositories: 1, images: 2, tags: 3 }, { ...c, images: 0 }, d]);
  await expectConsistent(db);

  await db.transaction(async (tx) => {
    await tx.query("update regstat.repository_manifests set deleted = null where registry = 'b.example'");
    await tx.query("update regstat.tags set registry = 'a.example' where registry = 'c.example'");
  });
  expect((await report(app, "registries")).rows).toEqual([
    { ...a, tags: 1 },
    { ...b, repositories: 2, images: 2, tags: 3 },
    { ...c, images: 0, tags: 0 },
    d,
  ]);
  await expectConsistent(db);
});

test("a TRUNCATE recounts everything at commit", async () => {
  await db.exec("truncate regstat.tags cascade");
  // b.example was known from its tags only
  expect((await report(app, "registries")).rows.map((r: any) => [r.registry, r.repositories, r.images, r.tags])).toEqual([
    ["a.example", 0, 0, 0],
    ["c.example", 1, 0, 0],
    ["d.example", 0, 0, 0],
  ]);
  await expectConsistent(db);
});

test("regstat check reports a kept count that differs from its recount", async () => {
  await db.query("update regstat.registry_counts set tags = tags + 1 where registry = 'b.example'");
  const differences = (await checkAggregates(db)).map(describeDifference);
  await db.query("update regstat.registry_counts set tags = tags - 1 where registry = 'b.example'");
  expect(differences).toEqual(["registry_counts registry=b.example: tags 1, expected 0"]);
  await expectConsistent(db);
});
