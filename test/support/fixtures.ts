import { readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * The notifications of ../shared/fixtures: what a real Distribution 2.8.2 sent, and the same history in
 * registry v3's wire shape (derived from v3.0.0's source), which adds an untag by name.
 */
export const fixtureFolders = ["distribution-2.8.2", "distribution-3.0-derived"] as const;
export type FixtureFolder = (typeof fixtureFolders)[number];
/** Beside the project (`../shared/fixtures`), or where REGSTAT_FIXTURES says: a clone made elsewhere. */
const fixturesRoot = process.env.REGSTAT_FIXTURES || join(import.meta.dir, "../../../shared/fixtures");
/** The history both folders hold: 01..03, one registry's in order. */
export const fixtureNames = ["01-copy-mount-pull-delete", "02-multiarch-index-push", "03-push-without-references"] as const;

export type Captured = { headers: Record<string, string>; body: { events: Record<string, any>[] } };

export async function fixture(name: string, folder: FixtureFolder = "distribution-2.8.2"): Promise<Captured[]> {
  return Bun.file(join(fixturesRoot, folder, `${name}.json`)).json();
}

/** 01..03 of a folder, in order. */
export async function allFixtures(folder: FixtureFolder = "distribution-2.8.2"): Promise<Captured[]> {
  return (await Promise.all(fixtureNames.map((name) => fixture(name, folder)))).flat();
}

/** Every file of a folder, in order: for v3, 04 (untag by name) after the common history. */
export async function folderFixtures(folder: FixtureFolder): Promise<Captured[]> {
  const names = readdirSync(join(fixturesRoot, folder))
    .filter((f) => f.endsWith(".json"))
    .sort();
  return (await Promise.all(names.map((name) => fixture(name.replace(/\.json$/, ""), folder)))).flat();
}

export const EVENTS_V1 = "application/vnd.docker.distribution.events.v1+json";
export const EVENTS_V2 = "application/vnd.docker.distribution.events.v2+json";
