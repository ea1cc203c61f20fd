import type { Step, Totals } from "./cleanup.ts";

/**
 * A cleanup plan as a POSIX shell script of registry API calls (?format=script): regstat never deletes
 * anything itself, the operator runs this. Every name in it came from a webhook event, so each is checked
 * against the registry's own grammar and single-quoted, and anything shown in a comment is JSON-escaped.
 */

// github.com/distribution/reference: repository path components, tags, digests
const component = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const repositoryName = new RegExp(`^${component}(?:/${component})*$`);
const tagName = /^[\w][\w.-]{0,127}$/;
/** A registry as a URL's host names it: the only kind a script's default REGISTRY_URL is made of. */
export const hostName = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?$/;
const digestName = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
const shown = (text: string) => JSON.stringify(text);

export type ScriptInput = {
  registry: string;
  /** Distribution 3 deletes a tag by name; 2 cannot */
  registryVersion: 2 | 3;
  /** the rule's parameters, as given */
  rule: Record<string, string>;
  totals: Totals;
  steps: Step[];
  now: Date;
};

export function cleanupScript({ registry, registryVersion, rule, totals, steps, now }: ScriptInput): string {
  if (!hostName.test(registry)) throw new Error(`not a registry host name: ${shown(registry)}`);
  const calls: string[] = [];
  const notes: string[] = [];
  for (const step of steps) {
    const what = step.kind === "tag" ? `${step.repository}:${step.tag}` : `${step.repository}@${step.digest}`;
    const reference = step.kind === "tag" ? (step.tag ?? "") : step.digest;
    const valid = repositoryName.test(step.repository) && (step.kind === "tag" ? tagName : digestName).test(reference);
    if (!valid) notes.push(`# skipped, not a name the registry API takes: ${shown(what)}`);
    else if (step.kind === "tag" && registryVersion === 2) {
      notes.push(`# kept: Distribution 2.x cannot delete a tag alone, and its manifest stays for other tags: ${shown(what)}`);
    } else calls.push(`delete ${quote(what)} ${quote(`/v2/${step.repository}/manifests/${reference}`)}`);
  }
  const ruleText = Object.entries(rule)
    .map(([name, value]) => `${name}=${value}`)
    .join(" ");
  return [
    "#!/bin/sh",
    `# regstat cleanup plan for ${shown(registry)}, made ${now.toISOString()}`,
    `# rule: ${shown(ruleText)}`,
    `# deletes ${totals.tags} tags and ${totals.manifests} manifests, keeps ${totals.kept_tags} tags;`,
    `# a garbage collection then gets back ${totals.reclaimable_bytes} bytes`,
    `# for Distribution ${registryVersion}.x: ${calls.length} DELETE calls, tags deleted alone first, indexes before their platforms`,
    "#",
    "# Run:  REGISTRY_URL=https://registry.example.com REGISTRY_AUTH=user:password sh cleanup.sh",
    "# then the registry's garbage collection (registry garbage-collect <config>) frees the bytes.",
    "# It stops at the first call that fails, saying which; the calls before it stay applied.",
    ...notes,
    "set -eu",
    `REGISTRY_URL="\${REGISTRY_URL:-https://${registry}}"`,
    "applied=0",
    "delete() {",
    '  if [ -n "${REGISTRY_AUTH:-}" ]; then',
    '    status=$(curl -sS -o /dev/null -w \'%{http_code}\' -X DELETE -u "$REGISTRY_AUTH" "$REGISTRY_URL$2") || status="no answer"',
    "  else",
    '    status=$(curl -sS -o /dev/null -w \'%{http_code}\' -X DELETE "$REGISTRY_URL$2") || status="no answer"',
    "  fi",
    '  if [ "$status" != 202 ]; then',
    `    echo "regstat cleanup: DELETE $1 failed ($status); stopped after $applied of ${calls.length} calls" >&2`,
    "    exit 1",
    "  fi",
    "  applied=$((applied + 1))",
    "}",
    ...calls,
    `echo "regstat cleanup: all ${calls.length} calls applied; run the registry's garbage collection to free the bytes" >&2`,
    "",
  ].join("\n");
}
