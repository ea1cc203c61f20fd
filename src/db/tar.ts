// The little of the ustar format the embedded database's template needs: directories and regular files.

export type TarEntry = { name: string; type: "file" | "dir"; data: Uint8Array };

const BLOCK = 512;

export function tar(entries: TarEntry[]): Uint8Array {
  const size = entries.reduce((n, e) => n + BLOCK + Math.ceil(e.data.length / BLOCK) * BLOCK, 2 * BLOCK);
  const out = new Uint8Array(size);
  let offset = 0;
  for (const entry of entries) {
    out.set(header(entry), offset);
    out.set(entry.data, offset + BLOCK);
    offset += BLOCK + Math.ceil(entry.data.length / BLOCK) * BLOCK;
  }
  return out; // ends with the two zero blocks
}

function header(entry: TarEntry): Uint8Array {
  const name = entry.type === "dir" ? `${entry.name}/` : entry.name;
  if (name.length > 100) throw new Error(`tar: name longer than 100 bytes: ${name}`);
  const h = new Uint8Array(BLOCK);
  const put = (at: number, text: string) => h.set(new TextEncoder().encode(text), at);
  const octal = (at: number, width: number, n: number) => put(at, n.toString(8).padStart(width - 1, "0"));
  put(0, name);
  octal(100, 8, entry.type === "dir" ? 0o700 : 0o600);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, entry.data.length);
  octal(136, 12, 0);
  put(148, "        "); // the checksum counts its own field as spaces
  put(156, entry.type === "dir" ? "5" : "0");
  put(257, "ustar\u000000");
  const sum = h.reduce((n, byte) => n + byte, 0);
  put(148, `${sum.toString(8).padStart(6, "0")}\u0000 `);
  return h;
}

export function* untar(archive: Uint8Array): Generator<TarEntry> {
  const text = new TextDecoder();
  const field = (h: Uint8Array, start: number, length: number) => {
    const bytes = h.subarray(start, start + length);
    const end = bytes.indexOf(0);
    return text.decode(end < 0 ? bytes : bytes.subarray(0, end));
  };
  for (let offset = 0; offset + BLOCK <= archive.length; ) {
    const h = archive.subarray(offset, offset + BLOCK);
    if (h[0] === 0) return; // the zero blocks that end the archive
    const prefix = field(h, 345, 155);
    const name = (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100)).replace(/^\/+|\/+$/g, "");
    const size = parseInt(field(h, 124, 12).trim() || "0", 8);
    const flag = String.fromCharCode(h[156]!);
    offset += BLOCK;
    if (flag === "5") yield { name, type: "dir", data: new Uint8Array() };
    else if (flag === "0" || flag === "\0") yield { name, type: "file", data: archive.subarray(offset, offset + size) };
    else throw new Error(`tar: an entry of type "${flag}" (${name})`);
    offset += Math.ceil(size / BLOCK) * BLOCK;
  }
}
