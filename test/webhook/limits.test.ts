import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Db } from "../../src/db/db.ts";
import { DEAD_LETTER_MAX_BYTES, DEAD_LETTER_MAX_DEPTH } from "../../src/ingest/dead-letter.ts";
import { testApp } from "../support/app.ts";
import { expectConsistent } from "../support/check.ts";
import { freshDb } from "../support/db.ts";
import { digestOf, envelope, pushBlob } from "../support/events.ts";

// The per-field limits and the dead-letter bounds the README's limits table states, each at its edge.
let db: Db;
let post: ReturnType<typeof testApp>["post"];
beforeAll(async () => {
  db = await freshDb();
  post = testApp(db).post;
});
afterAll(() => db.close());

type Event = Record<string, any> & { id: string };
const blob = (n: string) => pushBlob({ repository: "limits/app", digest: digestOf(`limits-${n}`) }) as Event;
const set = (event: Record<string, any>, path: string, value: unknown) => {
  const keys = path.split(".");
  let at = event;
  for (const key of keys.slice(0, -1)) at = at[key] ??= {};
  at[keys.at(-1)!] = value;
  return event;
};
const answer = async (event: unknown) => (await post(envelope(event))).json();
const reasonOf = async (eventId: string) =>
  (await db.query<{ reason: string }>("select reason from regstat.dead_letters where id = $1 or event->>'id' = $1", [eventId]))[0]?.reason;

describe("each event field has a length limit", () => {
  // path in the event, its limit, the events column it is stored in, and a valid value of a given length
  const fields: [string, number, string, (n: number) => string][] = [
    ["id", 256, "id", (n) => "i".repeat(n)],
    ["target.digest", 256, "digest", (n) => `sha256:${"a".repeat(n - 7)}`],
    ["target.repository", 256, "repository", (n) => `limits/${"r".repeat(n - 7)}`],
    ["target.tag", 128, "tag", (n) => "t".repeat(n)],
    ["target.url", 2048, "url", (n) => `http://registry.test:5000/${"u".repeat(n - 26)}`],
    ["request.id", 256, "request_id", (n) => "q".repeat(n)],
    ["request.method", 16, "method", (n) => "M".repeat(n)],
    ["actor.name", 256, "actor", (n) => "a".repeat(n)],
    ["source.addr", 256, "source_addr", (n) => "s".repeat(n)],
    ["source.instanceID", 256, "source_instance", (n) => "x".repeat(n)],
  ];
  for (const [path, max, column, value] of fields) {
    test(`${path}: ${max} characters are stored whole, ${max + 1} dead-letter the event and name the field`, async () => {
      const atMax = set(blob(`${path}-max`), path, value(max));
      expect(value(max)).toHaveLength(max);
      expect(await answer(atMax)).toEqual({ stored: 1, duplicates: 0, dead_lettered: 0 });
      const [row] = await db.query<Record<string, string>>(`select ${column} from regstat.events where id = $1`, [atMax.id]);
      expect(row![column]).toBe(value(max));

      const over = set(blob(`${path}-over`), path, value(max + 1));
      expect(await answer(over)).toMatchObject({ stored: 0, dead_lettered: 1 });
      expect(await reasonOf(over.id)).toContain(`${path}: longer than ${max} characters`);
    });
  }

  test("a media type over 256 characters is refused for its length, not looked up", async () => {
    const event = set(blob("media-type"), "target.mediaType", `application/${"m".repeat(250)}`);
    expect(await answer(event)).toMatchObject({ dead_lettered: 1 });
    expect(await reasonOf(event.id)).toContain("target.mediaType: longer than 256 characters");
  });

  test("a user agent is cut to 512 characters and the event stored", async () => {
    const event = set(blob("agent"), "request.useragent", "A".repeat(5000));
    expect(await answer(event)).toEqual({ stored: 1, duplicates: 0, dead_lettered: 0 });
    expect(await db.query("select length(user_agent)::int as n from regstat.events where id = $1", [event.id])).toEqual([{ n: 512 }]);
  });

  test("10,000 references are taken, 10,001 are too many", async () => {
    const refs = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
        size: 1,
        digest: digestOf(`ref-${i}`),
      }));
    const manifest = (n: number): Event => ({
      ...blob(`refs-${n}`),
      target: {
        repository: "limits/app",
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        size: 10,
        digest: digestOf(`refs-manifest-${n}`),
        references: refs(n),
      },
    });
    // 10,000 references pass the default 1 MiB body limit. A database of its own, so that what is measured is
    // this event alone: on the shared one, work the other tests left behind (a new registry instance's sync
    // of a registry that does not exist, it seems) held the embedded database for minutes.
    const own = await freshDb();
    const large = testApp(own, { args: ["--body-limit", "4m"] }).post;
    const answerLarge = async (event: unknown) => (await large(envelope(event))).json();
    // the live aggregates settle them in a time bounded by the references (migration 16), not their square
    const taken = manifest(10_000);
    expect(await answerLarge(taken)).toEqual({ stored: 1, duplicates: 0, dead_lettered: 0 });
    expect(
      await own.query("select count(*)::int as n from regstat.manifest_blob where manifest_digest = $1", [taken.target.digest]),
    ).toEqual([{ n: 10_000 }]);
    await expectConsistent(own);
    const tooMany = manifest(10_001);
    expect(await answerLarge(tooMany)).toMatchObject({ dead_lettered: 1 });
    expect(
      (await own.query<{ reason: string }>("select reason from regstat.dead_letters where id = $1", [tooMany.id]))[0]?.reason,
    ).toContain("too many references");
    await own.close();
  });
});

describe("a dead letter is bounded", () => {
  const keptOf = async (id: string) =>
    (await db.query<{ event: any }>("select event from regstat.dead_letters where id = $1", [id]))[0]!.event;

  test(`up to ${DEAD_LETTER_MAX_BYTES} bytes of JSON it is kept as sent; past that, the start of its text and its length`, async () => {
    const small: Event = { ...blob("dl-small"), action: "teleport", pad: "p".repeat(DEAD_LETTER_MAX_BYTES - 1000) };
    expect(await answer(small)).toMatchObject({ dead_lettered: 1 });
    expect(await keptOf(small.id)).toEqual(small);

    const large: Event = { ...blob("dl-large"), action: "teleport", pad: "p".repeat(DEAD_LETTER_MAX_BYTES) };
    expect(await answer(large)).toMatchObject({ dead_lettered: 1 });
    const kept = await keptOf(large.id);
    const text = JSON.stringify(large);
    expect(kept).toEqual({ truncated: true, length: text.length, start: text.slice(0, DEAD_LETTER_MAX_BYTES) });
  });

  test(`${DEAD_LETTER_MAX_DEPTH} levels of nesting are cut to text; fewer are kept as sent`, async () => {
    const nest = (depth: number) => {
      let value: unknown = "leaf";
      for (let i = 0; i < depth; i++) value = { a: value };
      return value;
    };
    const shallow: Event = { ...blob("dl-shallow"), action: "teleport", extra: nest(DEAD_LETTER_MAX_DEPTH - 2) };
    expect(await answer(shallow)).toMatchObject({ dead_lettered: 1 });
    expect(await keptOf(shallow.id)).toEqual(shallow);

    const deep: Event = { ...blob("dl-deep"), action: "teleport", extra: nest(DEAD_LETTER_MAX_DEPTH) };
    expect(await answer(deep)).toMatchObject({ dead_lettered: 1 });
    const kept = await keptOf(deep.id);
    expect(kept.truncated).toBe(true);
    expect(kept.start).toContain('"..."');
    expect(kept.start.startsWith(`{"id":${JSON.stringify(deep.id)}`)).toBe(true);
  });
});
