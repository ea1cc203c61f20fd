/** The body, or undefined once it passes `max` bytes (a registry is trusted with a URL, not with memory). */
export async function readCapped(response: Response, max: number): Promise<Uint8Array | undefined> {
  if (Number(response.headers.get("content-length") ?? 0) > max) {
    await response.body?.cancel();
    return undefined;
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body ?? []) {
    total += chunk.length;
    if (total > max) {
      await response.body?.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** JSON of a capped body; undefined when there was none, it was too large, or it is not JSON. */
export function parseJson(bytes: Uint8Array | undefined): unknown {
  if (!bytes) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}
