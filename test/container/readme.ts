import { join } from "node:path";

const SECTION = "## Running it in a container";
/** The port the README publishes; the test puts a free one in its place, on 127.0.0.1. */
const README_PORT = "3333";

/**
 * The `docker` command lines of the README's container section, as a user copies them (continuation lines
 * joined), found by what they do. Each must be there exactly once.
 */
export async function readmeCommands(root: string) {
  const readme = await Bun.file(join(root, "README.md")).text();
  const start = readme.indexOf(`\n${SECTION}\n`);
  if (start < 0) throw new Error(`README.md has no "${SECTION}" section`);
  const end = readme.indexOf("\n## ", start + SECTION.length + 2);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const lines = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((block) => block[1]!.replace(/\\\n\s*/g, "").split("\n"))
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line.startsWith("docker "));
  const one = (what: string, match: (line: string) => boolean) => {
    const found = lines.filter(match);
    if (found.length !== 1) throw new Error(`README.md's "${SECTION}" must show one ${what}; found ${found.length}`);
    return found[0]!;
  };
  return {
    build: one("`docker build`", (l) => l.startsWith("docker build ")),
    runEmbedded: one("`docker run` with a volume on /data", (l) => l.startsWith("docker run ") && l.includes(":/data")),
    runPostgres: one("`docker run` with REGSTAT_PG_CONN_STR", (l) => l.startsWith("docker run ") && l.includes("REGSTAT_PG_CONN_STR")),
    health: one("`docker inspect` of the health status", (l) => l.startsWith("docker inspect ") && l.includes("Health")),
    stop: one("`docker stop`", (l) => l.startsWith("docker stop ")),
  };
}

/** The command with the README's host port replaced by `port` (published on 127.0.0.1 only). */
export function onPort(command: string, port: number) {
  const published = `-p ${README_PORT}:`;
  const listening = `REGSTAT_PORT=${README_PORT}`;
  if (!command.includes(published) && !command.includes(listening)) {
    throw new Error(`expected "${published}" or "${listening}" in: ${command}`);
  }
  return command.replace(published, `-p 127.0.0.1:${port}:`).replace(listening, `REGSTAT_PORT=${port}`);
}
