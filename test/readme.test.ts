import { expect, test } from "bun:test";
import { join } from "node:path";
import { settings } from "../src/config.ts";

const readme = await Bun.file(join(import.meta.dir, "../README.md")).text();

test("the README's configuration table has every flag and environment variable", () => {
  for (const s of Object.values(settings)) {
    expect(readme).toContain(`| \`--${s.flag}\` |`);
    for (const env of s.env) expect(readme).toContain(`\`${env}\``);
  }
});

test("the README shows the two commands", () => {
  expect(readme).toContain("npm install && npm start");
  expect(readme).toContain("npm install && npm test");
});
