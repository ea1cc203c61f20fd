/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";

export const pages = [
  { path: "/", title: "Overview" },
  { path: "/dashboard/repositories", title: "Repositories" },
  { path: "/dashboard/stale", title: "Stale images" },
  { path: "/dashboard/cleanup", title: "Cleanup" },
  { path: "/dashboard/deletions", title: "Deletions" },
];

/** Every page: the navigation and the page's own content. */
export function Layout(props: { title: string; current?: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title} · regstat</title>
        <link rel="icon" href="/dashboard/assets/icon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/dashboard/assets/style.css" />
        <script src="/dashboard/assets/dashboard.js" defer></script>
      </head>
      <body>
        <header>
          <a class="brand" href="/">
            regstat
          </a>
          <nav>
            {pages.map((p) => (
              <a href={p.path} aria-current={p.path === props.current ? "page" : undefined}>
                {p.title}
              </a>
            ))}
          </nav>
        </header>
        <main>
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** A link to the JSON answer a section shows. */
export const ReportLink = ({ href }: { href: string }) => (
  <a class="report-link" href={href}>
    JSON
  </a>
);

/** A part of a page showing one report's answer, its heading linking to that answer's JSON. */
export const Section = (props: { id?: string; title: Child; href: string; children: Child }) => (
  <section id={props.id}>
    <h2>
      {props.title} <ReportLink href={props.href} />
    </h2>
    {props.children}
  </section>
);

/** The first page and, when the report has more, the next one (keyset pages only go forward). */
export function Pager(props: { path: string; query: Record<string, string | undefined>; next: string | null | undefined }) {
  const link = (cursor?: string) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(props.query)) if (v !== undefined && v !== "" && k !== "cursor") q.set(k, v);
    if (cursor) q.set("cursor", cursor);
    return q.size ? `${props.path}?${q}` : props.path;
  };
  return (
    <nav class="pager">
      {props.query.cursor ? <a href={link()}>First page</a> : null}
      {props.next ? (
        <a rel="next" href={link(props.next)}>
          Next page
        </a>
      ) : null}
    </nav>
  );
}

/** A whole HTML document from a page's element. */
export const documentOf = (page: unknown) => `<!DOCTYPE html>${page}`;

/** The registry and repository-prefix filters every list report takes, as form fields. */
export const ScopeFields = ({ query }: { query: Record<string, string | undefined> }) => (
  <>
    <label>
      Registry <input name="registry" value={query.registry ?? ""} />
    </label>
    <label>
      Name starts with <input name="repository" value={query.repository ?? ""} />
    </label>
  </>
);
