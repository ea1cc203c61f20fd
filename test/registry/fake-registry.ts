import { afterAll } from "bun:test";

export type Seen = {
  method: string;
  path: string;
  authorization: string | null;
  userAgent: string | null;
  accept: string | null;
  body: string;
};

/** A registry (or token realm, or storage host) in process on a free loopback port, recording what it was sent. */
export function fakeServer(handler: (req: Request, url: URL, seen: Seen) => Response | Promise<Response>) {
  const requests: Seen[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      const seen = {
        method: req.method,
        path: url.pathname + url.search,
        authorization: req.headers.get("authorization"),
        userAgent: req.headers.get("user-agent"),
        accept: req.headers.get("accept"),
        body: await req.text(),
      };
      requests.push(seen);
      return handler(req, url, seen);
    },
  });
  afterAll(() => server.stop(true));
  return { url: `http://127.0.0.1:${server.port}`, host: `127.0.0.1:${server.port}`, requests };
}

const sha256 = (bytes: Uint8Array | string) => `sha256:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}`;

/** A Docker schema2 image manifest with one layer; blobs are made-up digests (the client never reads them). */
export function schema2(seed = "a") {
  const config = { mediaType: "application/vnd.docker.container.image.v1+json", size: 100, digest: sha256(`config-${seed}`) };
  const layer = { mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 2000, digest: sha256(`layer-${seed}`) };
  const text = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config,
    layers: [layer],
  });
  return { text, digest: sha256(text), config, layer, mediaType: "application/vnd.docker.distribution.manifest.v2+json" };
}

export function ociIndex(children: { digest: string; text: string }[]) {
  const text = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: children.map((c, i) => ({
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      digest: c.digest,
      size: c.text.length,
      platform: { os: "linux", architecture: i ? "arm64" : "amd64" },
    })),
  });
  return { text, digest: sha256(text), mediaType: "application/vnd.oci.image.index.v1+json" };
}

export { sha256 };

/** Serves manifests by digest under any repository. */
export function manifestResponse(manifests: { digest: string; text: string; mediaType: string }[], url: URL, method = "GET") {
  const match = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(url.pathname);
  const m = match && manifests.find((x) => x.digest === match[2]);
  if (!m) return Response.json({ errors: [{ code: "MANIFEST_UNKNOWN" }] }, { status: 404 });
  return new Response(method === "HEAD" ? null : m.text, {
    headers: { "content-type": m.mediaType, "docker-content-digest": m.digest, "content-length": String(m.text.length) },
  });
}
