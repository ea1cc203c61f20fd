import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../src/config.ts";
import { openDb } from "../../src/db/open.ts";

const dir = mkdtempSync(join(tmpdir(), "regstat-open-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Not writable as a user is root-proof only as a path under a file; the container test has uid 65532 meet a
// root-owned /data for real.
test("a data directory that cannot be made or written is an error naming it and the cause", async () => {
  writeFileSync(join(dir, "file"), "");
  const dataDir = join(dir, "file/data");
  const opened = openDb({ pgConnStr: undefined, dataDir });
  await expect(opened).rejects.toBeInstanceOf(ConfigError);
  await expect(opened).rejects.toThrow(`--data-dir ${dataDir}: not a directory uid ${process.getuid!()} can write (ENOTDIR)`);
});
