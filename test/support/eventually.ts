/** Polls `check` until it holds; after `ms`, fails naming what it waited for. */
export async function eventually(what: string, check: () => Promise<boolean>, ms = 20_000) {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}
