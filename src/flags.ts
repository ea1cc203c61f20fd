/**
 * Every command line is read here: `-name value`, `--name value`, `--name=value` (one dash or two, as the
 * original Go program took them; node:util's parseArgs refuses `-port 3333`), a switch alone
 * (`--log-json`), and positional arguments. The settings (config.ts) take the flags they know; a
 * command reads the others as its own.
 */
export type Flag = { name: string; value: string | undefined };
export type Args = { flags: Flag[]; positional: string[] };

const FLAG = /^--?([a-z][a-z0-9_-]*)(?:=(.*))?$/s;

/** `isSwitch`: the flags that may stand alone, meaning "true" (else a value follows, when one does). */
export function readArgs(argv: string[], isSwitch: (name: string) => boolean = () => false): Args {
  const out: Args = { flags: [], positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const match = FLAG.exec(argv[i]!);
    if (!match) {
      out.positional.push(argv[i]!);
      continue;
    }
    const name = match[1]!;
    let value = match[2];
    const next = argv[i + 1];
    if (value === undefined && isSwitch(name) && (next === undefined || next.startsWith("-"))) value = "true";
    else if (value === undefined && next !== undefined) value = argv[++i];
    out.flags.push({ name, value });
  }
  return out;
}

/**
 * A command's own flags, each given once with a value, as `{ name: value }` (`--keep-last` is keep_last);
 * `allowed`: the only names it takes. A string says what is wrong.
 */
export function commandFlags(flags: Flag[], allowed?: string[]): Record<string, string> | string {
  const given: Record<string, string> = {};
  for (const flag of flags) {
    const name = flag.name.replaceAll("-", "_");
    if (allowed && !allowed.includes(name)) return `unknown flag --${flag.name}`;
    if (flag.value === undefined) return `--${flag.name}: needs a value`;
    if (name in given) return `--${flag.name}: given twice, takes one value`;
    given[name] = flag.value;
  }
  return given;
}
