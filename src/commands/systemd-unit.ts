import unit from "../../deploy/regstat.service" with { type: "text" };

export const usage = "systemd-unit";
export const summary = "print a hardened systemd unit (the repository's deploy/regstat.service)";

export async function run(args: string[]): Promise<number> {
  if (args.length) {
    process.stderr.write(`regstat systemd-unit: takes no arguments (got ${args[0]})\n`);
    return 2;
  }
  process.stdout.write(unit);
  return 0;
}
