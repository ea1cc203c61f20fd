import { join } from "node:path";

/** The notifications a real Distribution 2.8.2 sent (../shared/fixtures): one registry's history. */
export const fixtureDir = join(import.meta.dir, "../../../shared/fixtures/distribution-2.8.2");
export const fixtureNames = ["01-copy-mount-pull-delete", "02-multiarch-index-push", "03-push-without-references"] as const;

export type Captured = { headers: Record<string, string>; body: { events: Record<string, any>[] } };

export async function fixture(name: (typeof fixtureNames)[number]): Promise<Captured[]> {
  return Bun.file(join(fixtureDir, `${name}.json`)).json();
}

export async function allFixtures(): Promise<Captured[]> {
  return (await Promise.all(fixtureNames.map(fixture))).flat();
}

export const EVENTS_V1 = "application/vnd.docker.distribution.events.v1+json";
