// `bun src/db/make-pglite-template.ts`: writes dist/pglite-template.tar.gz, the data directory every new
// embedded database starts as (see pglite-template.ts), unless the one there was made from the same
// PGlite and the same migrations. Run by `npm run build` before it compiles, and by `npm install`.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { migrations } from "../sql.ts";
import { migrate } from "./migrate.ts";
import { pgliteDb, startPglite } from "./pglite.ts";
import { KEY_FILE, TEMPLATE_FILE, templateKey } from "./pglite-template.ts";
import { type TarEntry, tar } from "./tar.ts";

/**
 * A new database made by initdb and migrated with `list`, shut down cleanly (so that its first start has
 * nothing to recover), as a gzipped tar of its data directory. Without the template databases, which
 * only CREATE DATABASE reads: two thirds of the files a new data directory would otherwise write.
 */
export async function makeTemplate(list = migrations): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), "regstat-template-"));
  try {
    const { pg } = await startPglite(dir, { template: false });
    try {
      await migrate(pgliteDb(pg), list);
      await pg.exec("update pg_database set datistemplate = false where datname in ('template0', 'template1')");
      await pg.exec("drop database template0");
      await pg.exec("drop database template1");
      await pg.exec("vacuum");
    } finally {
      await pg.close();
    }
    return Bun.gzipSync(tar(entries(dir)) as Uint8Array<ArrayBuffer>, { level: 9 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function entries(root: string, under = ""): TarEntry[] {
  return readdirSync(join(root, under), { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((d) => {
      const name = under ? `${under}/${d.name}` : d.name;
      if (d.isDirectory()) return [{ name, type: "dir" as const, data: new Uint8Array() }, ...entries(root, name)];
      return [{ name, type: "file" as const, data: readFileSync(join(root, name)) }];
    });
}

if (import.meta.main) {
  const root = join(import.meta.dir, "../..");
  const path = join(root, TEMPLATE_FILE);
  const keyPath = join(root, KEY_FILE);
  const wanted = templateKey();
  if (existsSync(path) && existsSync(keyPath) && (await Bun.file(keyPath).text()) === wanted) process.exit(0);
  const started = performance.now();
  const bytes = await makeTemplate();
  mkdirSync(dirname(path), { recursive: true });
  // Written aside, then renamed: a build running at the same time never embeds half a file.
  const partial = `${path}.${process.pid}`;
  writeFileSync(partial, bytes);
  renameSync(partial, path);
  writeFileSync(`${keyPath}.${process.pid}`, wanted);
  renameSync(`${keyPath}.${process.pid}`, keyPath);
  const took = ((performance.now() - started) / 1000).toFixed(1);
  console.error(`${TEMPLATE_FILE}: ${(bytes.length / 1024 / 1024).toFixed(1)} MiB, ${migrations.length} migrations, made in ${took} s`);
}
