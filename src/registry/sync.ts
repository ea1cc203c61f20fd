import { type Db, retryConflicts } from "../db/db.ts";
import type { Descriptor, References } from "../distribution.ts";
import type { Logger } from "../log.ts";
import { queries } from "../sql.ts";
import type { RegistryClient } from "./client.ts";
import type { RegistryContext } from "./context.ts";
import { RegistryError } from "./errors.ts";
import { parseManifest } from "./manifest.ts";
import { mapLimit } from "./pool.ts";

export type Counts = { added: number; deleted: number };
export type RegistrySummary = {
  registry: string;
  url: string;
  repositories: number;
  manifests: Counts;
  blobs: Counts;
  tags: Counts & { moved: number };
  /** manifests read from the registry because regstat did not know their references */
  fetched: number;
  errors: { repository?: string; error: string }[];
};
export type SyncSummary = { registries: RegistrySummary[]; errors: number };

export type SyncDeps = {
  db: Db;
  registry: RegistryContext;
  registryUrls: string[];
  log: Logger;
  /** called with one line per repository; the CLI gives one that draws on a terminal */
  progress?: (line: string) => void;
  concurrency?: number;
};

const json = (value: unknown) => JSON.stringify(value);

/**
 * Brings the database in line with each registry named by --registry-url: what the registry has and
 * regstat missed is added, what regstat holds and the registry no longer has is marked deleted. Every
 * change is conditional on no event newer than the registry's answer, so events may arrive meanwhile.
 */
export async function runSync(deps: SyncDeps): Promise<SyncSummary> {
  if (!deps.registryUrls.length) throw new Error("regstat sync needs --registry-url: the registries to reconcile with");
  const registries: RegistrySummary[] = [];
  for (const url of deps.registryUrls) registries.push(await syncRegistry(deps, url));
  return { registries, errors: registries.reduce((n, r) => n + r.errors.length, 0) };
}

async function syncRegistry(deps: SyncDeps, url: string): Promise<RegistrySummary> {
  const origin = new URL(url).origin;
  const registry = deps.registry.names(new URL(origin).host);
  const client = deps.registry.client(origin);
  const log = deps.log.child({ registry });
  const summary: RegistrySummary = {
    registry,
    url: origin,
    repositories: 0,
    fetched: 0,
    errors: [],
    manifests: { added: 0, deleted: 0 },
    blobs: { added: 0, deleted: 0 },
    tags: { added: 0, moved: 0, deleted: 0 },
  };
  const started = new Date();
  const names = new Set<string>();
  try {
    for await (const repository of client.catalog()) names.add(repository);
  } catch (error) {
    summary.errors.push({ error: messageOf(error) });
    log.error("sync could not read the catalog", { error: messageOf(error) });
    return summary;
  }
  const known = await deps.db.query<{ repository: string }>(queries.selectSyncRepositories, [registry]);
  for (const row of known) names.add(row.repository);
  const repositories = [...names].sort();
  summary.repositories = repositories.length;
  for (const [i, repository] of repositories.entries()) {
    deps.progress?.(`${registry}: ${i + 1}/${repositories.length} ${repository}`);
    try {
      await syncRepository({ db: deps.db, client, registry, repository, summary, limit: deps.concurrency ?? 8 });
    } catch (error) {
      summary.errors.push({ repository, error: messageOf(error) });
      log.warn("sync skipped a repository", { repository, error: messageOf(error) });
    }
  }
  // What the coverage of every report says: regstat's data is whole for this registry as of `started`.
  await deps.db.query(queries.recordRegistrySync, [registry, origin, started, summary.errors.length]);
  log.info("sync finished", { ...summary, errors: summary.errors.length });
  return summary;
}

type RepoDeps = { db: Db; client: RegistryClient; registry: string; repository: string; summary: RegistrySummary; limit: number };

async function syncRepository(deps: RepoDeps) {
  const { db, client, registry, repository, summary, limit } = deps;
  const checkedAt = new Date().toISOString();
  const held = await db.query<{ kind: string; name: string; target: string | null }>(queries.selectRepositoryContents, [
    registry,
    repository,
  ]);
  const heldManifests = held.filter((r) => r.kind === "manifest").map((r) => r.name);
  const heldBlobs = new Set(held.filter((r) => r.kind === "blob").map((r) => r.name));

  // Manifests: what the tags point at, then whatever regstat holds that no tag reaches.
  const tags = await client.tags(repository);
  const heads = await mapLimit(tags, limit, (tag) => client.headManifest(repository, tag));
  const tagTargets = tags.flatMap((tag, i) => (heads[i] ? [{ registry, repository, tag, manifest_digest: heads[i].digest }] : []));
  const present = new Map<string, Descriptor>();
  for (const h of heads) if (h) present.set(h.digest, { digest: h.digest, media_type: h.mediaType, size: h.size });
  const unchecked = heldManifests.filter((d) => !present.has(d));
  const checked = await mapLimit(unchecked, limit, (d) => client.headManifest(repository, d));
  for (const [i, h] of checked.entries())
    if (h) present.set(unchecked[i]!, { digest: unchecked[i]!, media_type: h.mediaType, size: h.size });

  // References: from the database when known, else from the registry; children are in the repository too.
  const refs = new Map<string, References>();
  const fetched: (References & { digest: string })[] = [];
  for (let wave = [...present.keys()]; wave.length; ) {
    const rows = await db.query<{ manifest_digest: string; kind: string } & Descriptor>(queries.selectManifestReferences, [json(wave)]);
    for (const row of rows) {
      const r = refs.get(row.manifest_digest) ?? { blobs: [], children: [] };
      (row.kind === "blob" ? r.blobs : r.children).push({ digest: row.digest, media_type: row.media_type, size: row.size });
      refs.set(row.manifest_digest, r);
    }
    await mapLimit(
      wave.filter((d) => !refs.has(d)),
      limit,
      async (digest) => {
        try {
          const m = await client.getManifest(repository, digest);
          const parsed = parseManifest(m.bytes, m.contentType, digest);
          present.set(digest, { digest, media_type: parsed.mediaType, size: m.bytes.length });
          refs.set(digest, parsed);
          fetched.push({ digest, blobs: parsed.blobs, children: parsed.children });
        } catch (error) {
          if (error instanceof RegistryError && error.kind === "not-found") present.delete(digest);
          else if (error instanceof RegistryError && error.kind === "invalid") summary.errors.push({ repository, error: error.message });
          else throw error;
        }
      },
    );
    wave = [];
    for (const digest of present.keys()) {
      for (const child of refs.get(digest)?.children ?? []) {
        if (!present.has(child.digest)) {
          present.set(child.digest, child);
          wave.push(child.digest);
        }
      }
    }
  }

  // Blobs: every one a present manifest references or regstat holds, asked of the registry.
  const wanted = new Map<string, Descriptor>();
  for (const d of present.keys()) for (const b of refs.get(d)?.blobs ?? []) wanted.set(b.digest, b);
  for (const d of heldBlobs) if (!wanted.has(d)) wanted.set(d, { digest: d, media_type: null, size: null });
  const candidates = [...wanted.values()];
  const exists = await mapLimit(candidates, limit, (b) => client.hasBlob(repository, b.digest));
  const blobs = candidates.filter((_, i) => exists[i]);
  const goneBlobs = candidates.filter((b, i) => !exists[i] && heldBlobs.has(b.digest)).map((b) => b.digest);
  const goneManifests = heldManifests.filter((d) => !present.has(d));

  const here = { registry, repository };
  const changes = await retryConflicts(() =>
    db.transaction(async (tx) => {
      const manifests = await tx.query(queries.recordRegistryManifests, [
        json([...present.values()].map((m) => ({ ...here, ...m }))),
        checkedAt,
      ]);
      if (fetched.length) await tx.query(queries.linkManifests, [json(fetched)]);
      const addedBlobs = await tx.query(queries.recordRegistryBlobs, [json(blobs.map((b) => ({ ...here, ...b }))), checkedAt]);
      const written = await tx.query<{ inserted: boolean }>(queries.recordRegistryTags, [json(tagTargets), checkedAt]);
      const deletedTags = await tx.query(queries.syncDeleteTags, [registry, repository, json(tags), checkedAt]);
      const deadManifests = await tx.query<{ digest: string }>(queries.syncTombstoneManifests, [
        registry,
        repository,
        json(goneManifests),
        checkedAt,
      ]);
      const deadBlobs = await tx.query<{ digest: string }>(queries.syncTombstoneBlobs, [registry, repository, json(goneBlobs), checkedAt]);
      await tx.query(queries.retireManifests, [json(deadManifests.map((r) => r.digest).sort())]);
      await tx.query(queries.retireBlobs, [json(deadBlobs.map((r) => r.digest).sort())]);
      for (const m of fetched) await tx.query(queries.finishFetchJob, [m.digest]);
      return { manifests, addedBlobs, written, deletedTags, deadManifests, deadBlobs };
    }),
  );
  summary.manifests.added += changes.manifests.length;
  summary.manifests.deleted += changes.deadManifests.length;
  summary.blobs.added += changes.addedBlobs.length;
  summary.blobs.deleted += changes.deadBlobs.length;
  summary.tags.added += changes.written.filter((t) => t.inserted).length;
  summary.tags.moved += changes.written.filter((t) => !t.inserted).length;
  summary.tags.deleted += changes.deletedTags.length;
  summary.fetched += fetched.length;
}

const messageOf = (error: unknown) =>
  error instanceof RegistryError ? error.message : `${(error as Error)?.name}: ${(error as Error)?.message}`;

/** One line redrawn in place on a terminal; nothing otherwise. */
export function terminalProgress(stream: { isTTY?: boolean; write(s: string): unknown } = process.stderr) {
  if (!stream.isTTY) return undefined;
  return Object.assign((line: string) => stream.write(`\r\x1b[K${line.slice(0, 120)}`), {
    done: () => stream.write("\r\x1b[K"),
  });
}
