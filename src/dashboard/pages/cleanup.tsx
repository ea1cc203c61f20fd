/** @jsxImportSource hono/jsx */
import { Figures } from "../figures.tsx";
import { Bytes, Count } from "../format.tsx";
import { Layout, Pager, ScopeFields, Section } from "../layout.tsx";
import { type Given, type Read, reportHref } from "../read.ts";
import { bytes, type Column, count, digest, repository, Table, text, when } from "../table.tsx";

const ruleFields = [
  ["keep_last", "Keep the last N pushed tags per repository", "number", "10"],
  ["keep_pushed_within", "Keep tags pushed within", "text", "30d"],
  ["keep_pulled_within", "Keep tags pulled within", "text", "90d"],
  ["tag", "Judge only tags matching", "text", "^pr-"],
  ["keep_tag", "Never delete tags matching", "text", "^v\\d+|latest"],
] as const;
const ruleNames = [...ruleFields.map(([name]) => name), "untagged"];

const planColumns: Column[] = [
  repository({ link: false }),
  text("Kind", "kind"),
  text("Tag", "tag"),
  digest(),
  when("Pushed", "pushed"),
  when("Pulled", "pulled"),
  count("Pulls", "pull_count"),
  {
    label: "Alone gets back",
    num: true,
    cell: (r) => (
      <>
        {r.exclusive_bytes === null ? <span class="none">with its index</span> : <Bytes value={r.exclusive_bytes} />}
        {r.shared ? " (shared)" : ""}
      </>
    ),
  },
];

/** The cleanup planner's rule as a form; its plan, totals and per-repository parts, and the script that applies it. */
export async function Cleanup({ read, query }: { read: Read; query: Given }) {
  const rule: Given = Object.fromEntries(ruleNames.map((name) => [name, query[name] || undefined]));
  const scope = { registry: query.registry, repository: query.repository };
  const asked = ruleNames.some((name) => rule[name] !== undefined);
  const [plan, repositories] = asked
    ? await Promise.all([
        read("cleanup", { ...rule, ...scope, limit: query.limit ?? "100", cursor: query.cursor }),
        read("cleanup-repositories", { ...rule, ...scope, limit: "100" }),
      ])
    : [undefined, undefined];
  const totals = (plan?.totals ?? {}) as Record<string, unknown>;
  return (
    <Layout title="Cleanup" current="/dashboard/cleanup">
      <form method="get" class="controls rule" action="/dashboard/cleanup">
        {ruleFields.map(([name, label, type, example]) => (
          <label>
            {label}{" "}
            <input
              name={name}
              type={type}
              min={type === "number" ? "0" : undefined}
              placeholder={`e.g. ${example}`}
              value={query[name] ?? ""}
            />
          </label>
        ))}
        <label class="check">
          <input type="checkbox" name="untagged" value="true" checked={query.untagged === "true"} /> Also delete untagged manifests
        </label>
        <ScopeFields query={query} />
        <button type="submit">Plan</button>
      </form>
      {!plan || !repositories ? (
        <section>
          <p class="note">
            Give a rule: the plan shows what it deletes and exactly how many bytes a garbage collection then gets back. Nothing is deleted
            here.
          </p>
        </section>
      ) : (
        <>
          <Section id="totals" title="The whole plan" href={plan.href}>
            <Figures
              figures={[
                { id: "reclaimable_bytes", label: "Garbage collection gets back", value: <Bytes value={totals.reclaimable_bytes} /> },
                { id: "tags", label: "Tags deleted", value: <Count value={totals.tags} /> },
                { id: "manifests", label: "Manifests deleted", value: <Count value={totals.manifests} /> },
                { id: "kept_tags", label: "Tags kept", value: <Count value={totals.kept_tags} /> },
              ]}
            />
            <p class="note">
              {query.registry ? (
                <a
                  id="script"
                  href={reportHref("cleanup", { ...rule, registry: query.registry, repository: query.repository, format: "script" })}
                >
                  The shell script that applies it
                </a>
              ) : (
                "Name a registry above for the shell script that applies the plan (it deletes from one registry)."
              )}{" "}
              regstat itself never deletes anything in the registry.
            </p>
          </Section>
          <Section title="Per repository" href={repositories.href}>
            <Table
              id="cleanup-repositories"
              rows={repositories.rows}
              columns={[
                repository(),
                count("Tags deleted", "tags"),
                count("Manifests", "manifests"),
                count("Tags kept", "kept_tags"),
                bytes("Gets back alone", "reclaimable_bytes"),
              ]}
            />
          </Section>
          <Section title="What it deletes" href={plan.href}>
            <Table id="cleanup" rows={plan.rows} columns={planColumns} />
            {plan.rows.length ? null : <p class="none">The rule deletes nothing.</p>}
            <Pager
              path="/dashboard/cleanup"
              query={{ ...rule, ...scope, limit: query.limit, cursor: query.cursor }}
              next={plan.next_cursor}
            />
          </Section>
        </>
      )}
    </Layout>
  );
}
