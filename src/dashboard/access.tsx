/** @jsxImportSource hono/jsx */
import { Hono, type MiddlewareHandler } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import * as v from "valibot";
import { givenToken, TOKEN_COOKIE, tokenMatcher } from "../security/bearer.ts";
import { documentOf, Layout } from "./layout.tsx";

const loginForm = v.object({
  token: v.pipe(v.string(), v.minLength(1), v.maxLength(4096)),
  next: v.optional(v.string(), "/"),
});

/** Only a path of this site: never `//host` or `https://host`, so the form cannot send anyone elsewhere. */
const localPath = (next: string) => (/^\/(?![/\\])[^\s]*$/.test(next) ? next : "/");

function Login(props: { next: string; refused: boolean }) {
  return (
    <Layout title="Reports token">
      <form method="post" action="/dashboard/login" class="login">
        <p>
          This regstat is guarded by a reports token (<code>--reports-token</code>). Give it once; this browser keeps it in a cookie that
          scripts cannot read.
        </p>
        {props.refused ? (
          <p class="error" role="alert">
            That token is not valid.
          </p>
        ) : null}
        <label>
          Token <input type="password" name="token" autocomplete="current-password" required autofocus />
        </label>
        <input type="hidden" name="next" value={props.next} />
        <button type="submit">Open the dashboard</button>
      </form>
    </Layout>
  );
}

/**
 * With reports tokens, a page is shown to a browser holding one in its cookie (or a bearer token, for
 * scripts); anyone else gets the token form, with status 401.
 */
export function dashboardAccess(tokens: string[]): MiddlewareHandler {
  const matches = tokenMatcher(tokens);
  return async (c, next) => {
    if (!tokens.length || matches(givenToken(c, TOKEN_COOKIE))) return next();
    const url = new URL(c.req.url);
    return c.html(documentOf(<Login next={url.pathname + url.search} refused={false} />), 401);
  };
}

/** POST /dashboard/login (the form) and POST /dashboard/logout. */
export function accessRoutes(tokens: string[]) {
  const matches = tokenMatcher(tokens);
  const app = new Hono();
  app.post("/dashboard/login", async (c) => {
    const form = v.safeParse(
      loginForm,
      Object.fromEntries(Object.entries(await c.req.parseBody()).filter(([, x]) => typeof x === "string")),
    );
    const next = localPath(form.success ? form.output.next : "/");
    if (!form.success || !matches(form.output.token)) return c.html(documentOf(<Login next={next} refused />), 401);
    setCookie(c, TOKEN_COOKIE, form.output.token, {
      httpOnly: true,
      sameSite: "Strict",
      secure: new URL(c.req.url).protocol === "https:",
      path: "/",
      maxAge: 365 * 86_400,
    });
    return c.redirect(next, 303);
  });
  app.post("/dashboard/logout", (c) => {
    deleteCookie(c, TOKEN_COOKIE, { path: "/" });
    return c.redirect("/", 303);
  });
  return app;
}
