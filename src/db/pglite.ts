import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import initdbPath from "../../node_modules/@electric-sql/pglite/dist/initdb.wasm" with { type: "file" };
import dataPath from "../../node_modules/@electric-sql/pglite/dist/pglite.data" with { type: "file" };
// Embedded, so that the compiled executable needs nothing beside it.
import wasmPath from "../../node_modules/@electric-sql/pglite/dist/pglite.wasm" with { type: "file" };
import { lockDataDir } from "./data-dir-lock.ts";
import { type Created, type Db, INT8, NUMERIC, type Queryable, toNumber } from "./db.ts";
import { builtTemplate, templateTar, unpackTemplate } from "./pglite-template.ts";

// PostgreSQL's 128 MB default is mostly what PGlite's resident memory was; the kernel's page cache
// still holds the data files beneath these buffers.
const SETTINGS = ["-c", "shared_buffers=16MB"];

const compile = async (path: string) => WebAssembly.compile(await Bun.file(path).arrayBuffer());
let pgliteModule: Promise<WebAssembly.Module> | undefined;
let initdbModule: Promise<WebAssembly.Module> | undefined;

export type PgliteOptions = {
  /** the data directory a new database starts as: the built template (the default), another, or none (initdb) */
  template?: string | false;
};

/** Embedded PostgreSQL in `dataDir`, or in memory when dataDir is undefined (tests). */
export async function openPglite(dataDir: string | undefined, options: PgliteOptions = {}): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const unlock = dataDir ? lockDataDir(dataDir) : () => {};
  try {
    const { pg, created } = await startPglite(dataDir, options);
    const db = pgliteDb(pg);
    return {
      ...db,
      created,
      close: async () => {
        try {
          await db.close();
        } finally {
          unlock();
        }
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}

/** PGlite itself, on a data directory made from the template when it is new (see pglite-template.ts). */
export async function startPglite(dataDir: string | undefined, { template }: PgliteOptions = {}) {
  // Compiled on other threads while the template is unpacked.
  const pgliteWasmModule = (pgliteModule ??= compile(wasmPath));
  const templatePath = template === false ? undefined : (template ?? (await builtTemplate()));
  let created: Created = "existing";
  let loadDataDir: Blob | undefined;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    if (!existsSync(join(dataDir, "PG_VERSION"))) {
      created = templatePath ? "template" : "initdb";
      if (templatePath) await unpackTemplate(templatePath, dataDir);
    }
  } else {
    created = templatePath ? "template" : "initdb";
    if (templatePath) loadDataDir = await templateTar(templatePath);
  }
  const pg = await PGlite.create({
    dataDir,
    loadDataDir,
    pgliteWasmModule: await pgliteWasmModule,
    initdbWasmModule: created === "initdb" ? await (initdbModule ??= compile(initdbPath)) : undefined,
    fsBundle: Bun.file(dataPath),
    startParams: [...PGlite.defaultStartParams, ...SETTINGS],
    parsers: { [INT8]: toNumber, [NUMERIC]: toNumber },
  });
  await pg.exec("set time zone 'UTC'");
  return { pg, created };
}

export function pgliteDb(pg: PGlite): Db {
  const on = (q: Pick<PGlite, "query" | "exec">): Queryable => ({
    query: async <T>(text: string, params: unknown[] = []) => (await q.query<T>(text, params)).rows,
    exec: async (text: string) => {
      await q.exec(text);
    },
  });
  return {
    kind: "pglite",
    ...on(pg),
    transaction: (fn, { readOnly } = {}) =>
      pg.transaction(async (tx) => {
        if (readOnly) await tx.query("set transaction read only");
        return fn(on(tx));
      }),
    close: () => pg.close(),
  };
}
