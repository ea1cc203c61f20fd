import { timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { AppError } from "../errors.ts";

const sha256 = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest();

/** The cookie the dashboard keeps the reports token in once its form was answered (src/dashboard/access.tsx). */
export const TOKEN_COOKIE = "regstat_reports_token";

/**
 * Whether a token given is one of `tokens`. Both sides are hashed first so the comparison takes the same
 * time whatever the length or content of the guess, and every allowed token is compared so the time does
 * not tell which one came close.
 */
export function tokenMatcher(tokens: string[]) {
  const allowed = tokens.map(sha256);
  return (token: string | undefined) => {
    const given = token ? sha256(token) : undefined;
    let ok = false;
    for (const candidate of allowed) ok = (given !== undefined && timingSafeEqual(candidate, given)) || ok;
    return ok;
  };
}

/** The token a request carries: its bearer token, else the one in `cookie`. */
export function givenToken(c: Context, cookie?: string): string | undefined {
  const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(c.req.header("authorization") ?? "");
  return match ? match[1] : cookie ? getCookie(c, cookie) : undefined;
}

/**
 * Requires `Authorization: Bearer <one of tokens>`; with no tokens, lets everything through. With `cookie`,
 * the token may come in that cookie instead: the dashboard's links to the JSON reports then work in the
 * browser that answered its form (the cookie is SameSite=Strict, so another site cannot send it).
 */
export function bearerAuth(tokens: string[], realm: string, options: { cookie?: string } = {}): MiddlewareHandler {
  const matches = tokenMatcher(tokens);
  return async (c, next) => {
    if (!tokens.length) return next();
    const given = givenToken(c, options.cookie);
    if (matches(given)) return next();
    throw new AppError(
      401,
      "unauthorized",
      given !== undefined ? "the bearer token is not valid" : "a bearer token is required",
      undefined,
      {
        "WWW-Authenticate": `Bearer realm="${realm}"`,
      },
    );
  };
}
