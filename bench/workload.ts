import {
  DOCKER_MANIFEST,
  deleteDigest,
  deleteTag,
  digestOf,
  envelope,
  image,
  mountBlob,
  pullBlob,
  pullManifest,
  pushBlob,
} from "../test/support/events.ts";

export type Sent = { body: string; id: string; getPull: boolean };

const LAYERS = 10;
const BASE_LAYERS = 3;

/**
 * One registry client's endless history, one event per envelope as Distribution sends them: push an image
 * (3 shared base layers found or mounted, 7 new layers and a config pushed, the manifest pushed with its
 * tag and references), pull it docker-style (GET by tag, config, 10 layers) and containerd-style (HEAD by
 * tag, GET by digest, config, layers), and every fourth round delete an older image by digest (the
 * registry follows with the tag delete) and one of its layers. About 38 events a round, two thirds pulls.
 * `scope` makes every digest and repository fresh, so runs and senders never touch each other's rows.
 */
export function* history(scope: string): Generator<Sent> {
  const base = Array.from({ length: BASE_LAYERS }, (_, k) => digestOf(`${scope}/base/${k}`));
  const baseRepo = `bench/${scope}/base`;
  const hasBase = new Set<string>();
  const pushed: { repository: string; tag: string; digest: string; layer: string }[] = [];

  for (let round = 0; ; round++) {
    const repository = `bench/${scope}/app${round % 4}`;
    const tag = `v${round}`;
    const own = Array.from({ length: LAYERS - BASE_LAYERS }, (_, k) => digestOf(`${scope}/${round}/layer/${k}`));
    const img = image(`${scope}/${round}`, { repository, tag, layers: [...base, ...own] });
    const size = sizes(img.references);
    if (round === 0) yield* base.map((digest) => one(pushBlob({ repository: baseRepo, digest, size: size(digest) })));

    for (const digest of base) {
      yield one(
        hasBase.has(repository)
          ? pullBlob({ repository, digest, size: size(digest), method: "HEAD" })
          : mountBlob({ repository, digest, size: size(digest), from: baseRepo }),
      );
    }
    hasBase.add(repository);
    for (const digest of [img.config, ...own]) yield one(pushBlob({ repository, digest, size: size(digest) }));
    yield one(img.push({ mediaType: round % 2 ? DOCKER_MANIFEST : undefined }));
    pushed.push({ repository, tag, digest: img.digest, layer: own[0]! });

    yield one(pullManifest({ repository, digest: img.digest, tag }));
    for (const digest of [img.config, ...img.layers]) yield one(pullBlob({ repository, digest, size: size(digest) }));
    yield one(pullManifest({ repository, digest: img.digest, tag, method: "HEAD" }));
    yield one(pullManifest({ repository, digest: img.digest }));
    for (const digest of [img.config, ...img.layers]) yield one(pullBlob({ repository, digest, size: size(digest) }));

    if (round % 4 === 3) {
      const old = pushed.splice(0, 1)[0]!;
      yield one(deleteDigest({ repository: old.repository, digest: old.digest }));
      yield one(deleteTag({ repository: old.repository, tag: old.tag }));
      yield one(deleteDigest({ repository: old.repository, digest: old.layer }));
    }
  }
}

/**
 * Pushes only, as a CI farm publishing images: a new layer pushed, then a manifest pushed with its tag and
 * references (its config, a base layer shared by the scope, the new layer), one after the other: half blob
 * pushes, half manifest pushes.
 */
export function* pushHistory(scope: string): Generator<Sent> {
  const base = digestOf(`${scope}/base`);
  for (let round = 0; ; round++) {
    const repository = `bench/${scope}/push${round % 4}`;
    const layer = digestOf(`${scope}/${round}/layer`);
    const img = image(`${scope}/${round}`, { repository, tag: `v${round}`, layers: [base, layer] });
    yield one(pushBlob({ repository, digest: layer, size: sizes(img.references)(layer) }));
    yield one(img.push({ mediaType: round % 2 ? DOCKER_MANIFEST : undefined }));
  }
}

/**
 * A registry names a blob by its one size in every event (the descriptor's): pushes and pulls here say the
 * size the manifest's references give it, so a pull changes no size (it did, and made every first pull a
 * resize that the live aggregates had to settle, which a real registry never sends).
 */
function sizes(references: { digest: string; size: number }[]) {
  const bytes = new Map(references.map((r) => [r.digest, r.size]));
  return (digest: string) => bytes.get(digest)!;
}

export const mixes = { realistic: history, push: pushHistory };
export type Mix = keyof typeof mixes;

function one(event: ReturnType<typeof pushBlob>): Sent {
  return {
    body: JSON.stringify(envelope(event)),
    id: event.id,
    getPull: event.action === "pull" && event.request.method === "GET",
  };
}
