/** @jsxImportSource hono/jsx */
import type { AppError } from "../../errors.ts";
import { Layout } from "../layout.tsx";

/** A refused question (a bad parameter, say), said on a page with the way back. */
export const ErrorPage = ({ error }: { error: AppError }) => (
  <Layout title="Cannot show this">
    <p class="error" role="alert">
      {error.message}
    </p>
    <p>
      <a href="/">Back to the overview</a>
    </p>
  </Layout>
);
