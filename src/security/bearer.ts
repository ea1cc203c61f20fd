import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { AppError } from "../errors.ts";

const sha256 = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest();

/**
 * Requires `Authorization: Bearer <one of tokens>`; with no tokens, lets everything through. Both sides
 * are hashed first so the comparison takes the same time whatever the length or content of the guess,
 * and every allowed token is compared so the time does not tell which one came close.
 */
export function bearerAuth(tokens: string[], realm: string): MiddlewareHandler {
  const allowed = tokens.map(sha256);
  return async (c, next) => {
    if (!allowed.length) return next();
    const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(c.req.header("authorization") ?? "");
    const given = match ? sha256(match[1]!) : undefined;
    let ok = false;
    for (const token of allowed) ok = (given !== undefined && timingSafeEqual(token, given)) || ok;
    if (ok) return next();
    const error = new AppError(401, "unauthorized", match ? "the bearer token is not valid" : "a bearer token is required");
    c.error = error;
    return c.json(error.toJSON(), 401, { "WWW-Authenticate": `Bearer realm="${realm}"` });
  };
}
