import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseConfig } from "../../src/config.ts";
import type { Db } from "../../src/db/db.ts";
import { USER_AGENT } from "../../src/version.ts";
import { testApp } from "../support/app.ts";
import { freshDb } from "../support/db.ts";
import { envelope, HOST, image, pullBlob, pullManifest } from "../support/events.ts";

let db: Db;
let post: ReturnType<typeof testApp>["post"];
beforeAll(async () => {
  db = await freshDb();
  post = testApp(db, { args: ["--ignore-pulls-from", "trivy/*", "--ignore-pulls-from", "*"] }).post;
});
afterAll(() => db.close());

type Pull = ReturnType<typeof pullManifest>;
const by = <E extends Pull>(userAgent: string, event: E) => ({ ...event, request: { ...event.request, useragent: userAgent } });
const send = async (...events: unknown[]) => expect(await (await post(envelope(...events))).json()).toMatchObject({ dead_lettered: 0 });

async function pushed(seed: string) {
  const img = image(seed, { repository: `pulls/${seed}`, tag: "v1" });
  await send(...img.blobPushes, img.push());
  return img;
}

const state = async (seed: string, digest: string, layer: string) => ({
  manifest: (await db.query("select pulled is not null as pulled, pull_count from regstat.manifests where digest = $1", [digest]))[0],
  repository: (
    await db.query("select pulled is not null as pulled, pull_count from regstat.repository_manifests where digest = $1", [digest])
  )[0],
  tag: (
    await db.query("select pulled is not null as pulled, pull_count from regstat.tags where name = $1", [`${HOST}/pulls/${seed}:v1`])
  )[0],
  layer: (await db.query("select pulled is not null as pulled, pull_count from regstat.blobs where digest = $1", [layer]))[0],
  activity: await db.query(
    "select action, count::int from regstat.activity_daily where repository = $1 and action not in ('push') order by action",
    [`pulls/${seed}`],
  ),
});
const untouched = { pulled: false, pull_count: 0 };

describe("pulls that are logged but not counted", () => {
  test("regstat's own requests (GET by digest, HEAD by tag, a blob) change no pulled time and no count", async () => {
    const img = await pushed("own");
    const repository = "pulls/own";
    const own = [
      by(USER_AGENT, pullManifest({ repository, digest: img.digest })),
      by(USER_AGENT, pullManifest({ repository, digest: img.digest, tag: "v1", method: "HEAD" })),
      by(USER_AGENT, pullBlob({ repository, digest: img.layers[0]! })),
    ];
    await send(...own);
    expect(await state("own", img.digest, img.layers[0]!)).toEqual({
      manifest: untouched,
      repository: untouched,
      tag: untouched,
      layer: untouched,
      activity: [{ action: "uncounted", count: 3 }],
    });
    const logged = await db.query("select id, uncounted, user_agent from regstat.events where id = any($1::text[]) order by id", [
      own.map((e) => e.id),
    ]);
    expect(logged).toEqual(
      own.map((e) => ({ id: e.id, uncounted: "regstat", user_agent: USER_AGENT })).sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
  });

  test("a user agent matched by --ignore-pulls-from is logged as ignored and not counted", async () => {
    const img = await pushed("trivy");
    const scan = by("trivy/v0.64.0", pullManifest({ repository: "pulls/trivy", digest: img.digest, tag: "v1" }));
    await send(scan);
    expect(await state("trivy", img.digest, img.layers[0]!)).toMatchObject({
      manifest: untouched,
      tag: untouched,
      activity: [{ action: "uncounted", count: 1 }],
    });
    expect(await db.query("select uncounted from regstat.events where id = $1", [scan.id])).toEqual([{ uncounted: "ignored" }]);
  });

  test('real workloads are counted even when a pattern (here "*") matches every user agent', async () => {
    const img = await pushed("workloads");
    const repository = "pulls/workloads";
    await send(
      by("containerd/v1.7.24", pullManifest({ repository, digest: img.digest, tag: "v1" })),
      by(
        "docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/6.1.0 os/linux arch/amd64 UpstreamClient(Docker-Client/27.3.1 \\(linux\\))",
        pullManifest({ repository, digest: img.digest, tag: "v1" }),
      ),
      by("containers/5.32.2 (github.com/containers/image)", pullManifest({ repository, digest: img.digest })),
    );
    expect(await state("workloads", img.digest, img.layers[0]!)).toMatchObject({
      manifest: { pulled: true, pull_count: 3 },
      tag: { pulled: true, pull_count: 3 },
      activity: [{ action: "pull", count: 3 }],
    });
  });
});

test("--ignore-pulls-from repeats, and REGSTAT_IGNORE_PULLS_FROM takes a comma-separated list", () => {
  expect(parseConfig(["--ignore-pulls-from", "trivy/*", "--ignore-pulls-from=skopeo/*"], {}).config.ignorePullsFrom).toEqual([
    "trivy/*",
    "skopeo/*",
  ]);
  expect(parseConfig([], { REGSTAT_IGNORE_PULLS_FROM: "trivy/*,harbor-registry-client" }).config.ignorePullsFrom).toEqual([
    "trivy/*",
    "harbor-registry-client",
  ]);
});
