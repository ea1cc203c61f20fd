import { PGlite } from "@electric-sql/pglite";
import { mkdirSync } from "node:fs";
// Embedded, so that the compiled executable needs nothing beside it.
import wasmPath from "../../node_modules/@electric-sql/pglite/dist/pglite.wasm" with { type: "file" };
import initdbPath from "../../node_modules/@electric-sql/pglite/dist/initdb.wasm" with { type: "file" };
import dataPath from "../../node_modules/@electric-sql/pglite/dist/pglite.data" with { type: "file" };
import { lockDataDir } from "./data-dir-lock.ts";
import { INT8, NUMERIC, toNumber, type Db, type Queryable } from "./db.ts";

const compile = async (path: string) => WebAssembly.compile(await Bun.file(path).arrayBuffer());
let modules: Promise<[WebAssembly.Module, WebAssembly.Module]> | undefined;

/** Embedded PostgreSQL in `dataDir`, or in memory when dataDir is undefined (tests). */
export async function openPglite(dataDir: string | undefined): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const unlock = dataDir ? lockDataDir(dataDir) : () => {};
  try {
    return await open(dataDir, unlock);
  } catch (error) {
    unlock();
    throw error;
  }
}

async function open(dataDir: string | undefined, unlock: () => void): Promise<Db> {
  const [pgliteWasmModule, initdbWasmModule] = await (modules ??= Promise.all([compile(wasmPath), compile(initdbPath)]));
  const pg = await PGlite.create({
    dataDir,
    pgliteWasmModule,
    initdbWasmModule,
    fsBundle: Bun.file(dataPath),
    parsers: { [INT8]: toNumber, [NUMERIC]: toNumber },
  });
  await pg.exec("set time zone 'UTC'");
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
    close: async () => {
      try {
        await pg.close();
      } finally {
        unlock();
      }
    },
  };
}
