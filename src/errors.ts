import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The one error that crosses HTTP: `{"error": {"code", "message", "details"}}`, answered by app.onError. */
export class AppError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(status, { message });
    this.name = "AppError";
  }

  /** Any other HTTPException (one of Hono's own middleware) in the same shape. */
  static from(error: HTTPException): AppError {
    return error instanceof AppError ? error : new AppError(error.status, "http_error", error.message);
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }

  /** A 503 is always temporary here (busy, or the database away): it says when to try again. */
  override getResponse(): Response {
    const retry = this.status === 503 ? { "Retry-After": "1" } : {};
    return Response.json(this.toJSON(), { status: this.status, headers: { ...retry, ...this.headers } });
  }
}

export const badRequest = (code: string, message: string, details?: unknown) => new AppError(400, code, message, details);
