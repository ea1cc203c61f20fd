import { badRequest } from "../errors.ts";
import { queries } from "../sql.ts";
import type { Report } from "./catalogue.ts";
import { checkRule, cleanupPage, cleanupRepositoriesPage, planSteps, planTotals, preparePlan, ruleParams, type Totals } from "./cleanup.ts";
import { cleanupScript, hostName } from "./cleanup-script.ts";

const rule =
  "The rule: `tag` (judge only matching tags; default all), kept by `keep_tag`, `keep_last`, `keep_pushed_within` or " +
  "`keep_pulled_within`; `untagged=true` also deletes manifests no tag reaches.";

/** The cleanup planner's reports (src/reports/cleanup.ts), in the catalogue beside the others. */
export const cleanupReports: Report[] = [
  {
    name: "cleanup",
    description:
      `What a retention rule deletes: each tag and manifest, by repository, and in \`totals\` the bytes a garbage collection ` +
      `gets back once the whole plan is applied. ${rule} \`format=script\` answers the registry API calls that apply it; regstat ` +
      `deletes nothing.`,
    params: [...ruleParams, "totals", "registry_version"],
    list: true,
    columns: {
      registry: "the registry",
      repository: "the repository",
      kind:
        "image (the tag and its manifest go), tag (the tag alone: its manifest stays for other tags or a kept index), untagged (a " +
        "manifest no tag reaches), platform (a platform manifest going with its index)",
      tag: "the tag deleted, null for a manifest",
      digest: "the manifest the tag points at, or the manifest deleted",
      pushed: "when the tag (or the untagged manifest) was last pushed",
      pulled: "when it was last pulled with GET, null if never",
      pull_count: "its GET pulls",
      exclusive_bytes:
        "bytes a garbage collection gets back if this manifest alone is deleted, with the platforms only it needs (the same on each of " +
        "its tags' rows); 0 for a tag deleted alone; null for a platform (counted in its index's row)",
      shared: "true when other images keep some of this image's bytes (exclusive_bytes is less than its size); null for a platform",
    },
    start: ["", "", "", ""],
    check: checkRule,
    page: cleanupPage,
    csvHeaders: (answer): Record<string, string> => {
      const totals = answer.totals as Totals | undefined;
      return totals ? { "x-reclaimable-bytes": String(totals.reclaimable_bytes) } : {};
    },
    async script(tx, values, given) {
      if (!values.registry || !hostName.test(values.registry)) {
        throw badRequest("invalid_parameter", "registry: a script deletes from one registry: name it (registry=<host[:port]>)", {
          parameter: "registry",
          allowed: "a registry host name, e.g. registry.example.com:5000",
        });
      }
      const { registry_version: _, totals: __, ...ruleGiven } = given;
      await preparePlan(tx, values);
      return cleanupScript({
        registry: values.registry,
        registryVersion: values.registry_version === 3 ? 3 : 2,
        rule: ruleGiven,
        totals: await planTotals(tx, values),
        steps: await planSteps(tx, values),
        now: new Date(),
      });
    },
  },
  {
    name: "cleanup-repositories",
    description:
      `The cleanup report's plan per repository: tags and manifests it deletes there, tags it keeps, and the bytes a garbage ` +
      `collection gets back if only that repository's part is applied (these do not add up to the whole plan's: blobs shared between ` +
      `repositories go only when all of them let go). ${rule}`,
    params: ruleParams,
    list: true,
    columns: {
      registry: "the registry",
      repository: "the repository",
      tags: "tags the rule deletes",
      manifests: "manifests it deletes (with their platforms)",
      kept_tags: "tags it keeps",
      reclaimable_bytes: "bytes a garbage collection gets back if only this repository's deletions are applied",
    },
    start: ["", ""],
    check: checkRule,
    page: cleanupRepositoriesPage,
  },
  {
    name: "gc-hazards",
    description:
      "What a garbage collection would break: untagged platform manifests of tagged indexes (Distribution 2.x `garbage-collect " +
      "--delete-untagged` deletes them and the index stops pulling), and live manifests naming a blob the registry no longer " +
      "stores.",
    params: [],
    list: true,
    columns: {
      registry: "the registry",
      repository: "the repository",
      hazard: "untagged_platform or missing_blob",
      digest: "the manifest that would break (or is broken): the tagged index, or the manifest naming the blob",
      reference: "the untagged platform manifest, or the blob that is gone",
    },
    sql: queries.reportGcHazards,
    start: ["", "", "", "", ""],
    args: (v, after, limit) => [v.registry, v.repository, ...after, limit],
  },
];
