/** @jsxImportSource hono/jsx */
import { Bytes, Count, Digest, When } from "../format.tsx";
import { Layout, Pager, ReportLink, ScopeFields } from "../layout.tsx";
import { type Given, type Read, reportHref } from "../read.ts";
import { repositoryHref } from "./repositories.tsx";

const ruleFields = [
  ["keep_last", "Keep the last N pushed tags per repository", "number", "10"],
  ["keep_pushed_within", "Keep tags pushed within", "text", "30d"],
  ["keep_pulled_within", "Keep tags pulled within", "text", "90d"],
  ["tag", "Judge only tags matching", "text", "^pr-"],
  ["keep_tag", "Never delete tags matching", "text", "^v\\d+|latest"],
] as const;
const ruleNames = [...ruleFields.map(([name]) => name), "untagged"];

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
          <section id="totals">
            <h2>
              The whole plan <ReportLink href={plan.href} />
            </h2>
            <div class="figures">
              <div class="figure" id="reclaimable_bytes">
                <span class="label">Garbage collection gets back</span>
                <span class="value">
                  <Bytes value={totals.reclaimable_bytes} />
                </span>
              </div>
              <div class="figure" id="tags">
                <span class="label">Tags deleted</span>
                <span class="value">
                  <Count value={totals.tags} />
                </span>
              </div>
              <div class="figure" id="manifests">
                <span class="label">Manifests deleted</span>
                <span class="value">
                  <Count value={totals.manifests} />
                </span>
              </div>
              <div class="figure" id="kept_tags">
                <span class="label">Tags kept</span>
                <span class="value">
                  <Count value={totals.kept_tags} />
                </span>
              </div>
            </div>
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
          </section>
          <section>
            <h2>
              Per repository <ReportLink href={repositories.href} />
            </h2>
            <table id="cleanup-repositories">
              <thead>
                <tr>
                  <th>Repository</th>
                  <th class="num">Tags deleted</th>
                  <th class="num">Manifests</th>
                  <th class="num">Tags kept</th>
                  <th class="num">Gets back alone</th>
                </tr>
              </thead>
              <tbody>
                {repositories.rows.map((r) => (
                  <tr>
                    <td>
                      <a href={repositoryHref(r.registry, r.repository)}>{`${r.registry}/${r.repository}`}</a>
                    </td>
                    <td class="num">
                      <Count value={r.tags} />
                    </td>
                    <td class="num">
                      <Count value={r.manifests} />
                    </td>
                    <td class="num">
                      <Count value={r.kept_tags} />
                    </td>
                    <td class="num">
                      <Bytes value={r.reclaimable_bytes} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section>
            <h2>
              What it deletes <ReportLink href={plan.href} />
            </h2>
            <table id="cleanup">
              <thead>
                <tr>
                  <th>Repository</th>
                  <th>Kind</th>
                  <th>Tag</th>
                  <th>Digest</th>
                  <th class="num">Pushed</th>
                  <th class="num">Pulled</th>
                  <th class="num">Pulls</th>
                  <th class="num">Alone gets back</th>
                </tr>
              </thead>
              <tbody>
                {plan.rows.map((r) => (
                  <tr>
                    <td>{`${r.registry}/${r.repository}`}</td>
                    <td>{String(r.kind)}</td>
                    <td>{r.tag === null ? <span class="none">-</span> : String(r.tag)}</td>
                    <td>
                      <Digest value={r.digest} />
                    </td>
                    <td class="num">
                      <When value={r.pushed} />
                    </td>
                    <td class="num">
                      <When value={r.pulled} />
                    </td>
                    <td class="num">
                      <Count value={r.pull_count} />
                    </td>
                    <td class="num">
                      {r.exclusive_bytes === null ? <span class="none">with its index</span> : <Bytes value={r.exclusive_bytes} />}
                      {r.shared ? " (shared)" : ""}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {plan.rows.length ? null : <p class="none">The rule deletes nothing.</p>}
            <Pager
              path="/dashboard/cleanup"
              query={{ ...rule, ...scope, limit: query.limit, cursor: query.cursor }}
              next={plan.next_cursor}
            />
          </section>
        </>
      )}
    </Layout>
  );
}
