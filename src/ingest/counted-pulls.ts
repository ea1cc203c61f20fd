/** Why a pull is logged but not counted; null: it counts. */
export type Uncounted = "regstat" | "ignored" | null;
export type PullCounting = (userAgent: string | null) => Uncounted;

/** regstat's own requests (the fetch worker, sync, token exchanges): see src/version.ts. */
const REGSTAT = /^regstat\//i;
/**
 * What runs containers pulls for real, whatever --ignore-pulls-from says: containerd (and Kubernetes through
 * it), the Docker daemon, CRI-O, and Podman and the other tools built on containers/image.
 */
const WORKLOADS = /^(containerd|docker|cri-o|containers|podman|libpod)\//i;

/**
 * Patterns from --ignore-pulls-from: matched against the whole user agent, case-insensitive, `*` standing
 * for any run of characters ("trivy/*", "*harbor*").
 */
export function pullCounting(ignorePatterns: string[] = []): PullCounting {
  const ignored = ignorePatterns.map(globToRegExp);
  return (userAgent) => {
    const agent = userAgent ?? "";
    if (REGSTAT.test(agent)) return "regstat";
    if (WORKLOADS.test(agent)) return null;
    return ignored.some((re) => re.test(agent)) ? "ignored" : null;
  };
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split("*")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`, "is");
}
