import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import pglitePackage from "../../node_modules/@electric-sql/pglite/package.json" with { type: "json" };
import { migrations } from "../sql.ts";
import { untar } from "./tar.ts";

/**
 * A new embedded database starts as a copy of a template: a data directory that `npm run build` (and
 * `npm install`, for `npm start`) initialized and migrated once (make-pglite-template.ts), a gzipped tar
 * carried inside the executable. Without one, PGlite runs initdb in the process: seconds and about 1 GB.
 */
export const TEMPLATE_FILE = "dist/pglite-template.tar.gz";
export const KEY_FILE = "dist/pglite-template.key";

/**
 * The template's path (inside the executable, or in dist/ of a checkout), or undefined if there is none
 * or it was made from other migrations or another PGlite than these (a migration being edited, say).
 */
export async function builtTemplate(): Promise<string | undefined> {
  // Dynamic imports, so that a checkout without dist/ still starts; `bun build --compile` embeds both files.
  const [path, key] = await Promise.all([
    import("../../dist/pglite-template.tar.gz", { with: { type: "file" } }).then(
      (m) => m.default as string,
      () => undefined,
    ),
    import("../../dist/pglite-template.key", { with: { type: "text" } }).then(
      (m) => m.default as string,
      () => undefined,
    ),
  ]);
  return path && key === templateKey() ? path : undefined;
}

/** What the template depends on: a new PGlite, a new or edited migration make a new one. */
export function templateKey(): string {
  const hash = new Bun.CryptoHasher("sha256").update(`pglite ${pglitePackage.version}\n`);
  for (const m of migrations) hash.update(`${m.version} ${m.name}\n${m.text}\n`);
  return hash.digest("hex");
}

/** The template as one tar, for PGlite's own `loadDataDir` (an in-memory database). */
export async function templateTar(path: string): Promise<Blob> {
  return new Blob([Bun.gunzipSync(await Bun.file(path).bytes())]);
}

/**
 * Writes the template's files into `dataDir`. PG_VERSION, by which PGlite knows a data directory, is
 * written last: if this is interrupted, the next start unpacks again instead of resuming half a copy.
 */
export async function unpackTemplate(path: string, dataDir: string): Promise<void> {
  let version: Uint8Array | undefined;
  for (const entry of untar(Bun.gunzipSync(await Bun.file(path).bytes()))) {
    const target = join(dataDir, entry.name);
    if (entry.type === "dir") mkdirSync(target, { recursive: true, mode: 0o700 });
    else if (entry.name === "PG_VERSION") version = entry.data;
    else {
      if (!existsSync(dirname(target))) mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      writeFileSync(target, entry.data, { mode: 0o600 });
    }
  }
  if (!version) throw new Error("the embedded database's template has no PG_VERSION");
  writeFileSync(join(dataDir, "PG_VERSION"), version, { mode: 0o600 });
}
