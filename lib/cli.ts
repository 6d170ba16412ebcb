/**
 * The command line of every command Cascade ships (npm start, api, worker, router, simulate, doctor,
 * api-key, topology, histories:record, the bench scripts): node:util parseArgs, plus what a person typing the command
 * expects of it. `--help` (or `-h`) prints the usage on stdout and exits 0; an unknown flag, a
 * missing value or a stray argument prints what was wrong and the usage on stderr and exits 2
 * (the shell's "usage error"), never a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const USAGE_EXIT_CODE = 2;

type Parsed<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/** Parses `args` (default: the process's) by `config`; exits on `--help` or a mistake, as above. */
export function parseCommandLine<T extends ParseArgsConfig>(usage: string, config: T, args: string[] = process.argv.slice(2)): Parsed<T> {
  const withHelp = { ...config, args, strict: true, options: { ...config.options, help: { type: 'boolean', short: 'h' } } } as const;
  let parsed: Parsed<T> & { values: { help?: boolean } };
  try {
    parsed = parseArgs(withHelp) as typeof parsed;
  } catch (err) {
    usageError(usage, shortMessage(err as Error));
  }
  if (parsed.values.help) {
    process.stdout.write(`${usage.trimEnd()}\n`);
    process.exit(0);
  }
  delete parsed.values.help;
  return parsed;
}

/** A mistake on the command line found after parsing (a missing argument, a bad number): stderr, exit 2. */
export function usageError(usage: string, message: string): never {
  process.stderr.write(`${message}\n\n${usage.trimEnd()}\n`);
  process.exit(USAGE_EXIT_CODE);
}

/** Node's message names the flag, then explains `--` at length; the first sentence is what matters here. */
function shortMessage(err: Error): string {
  return err.message.replace(/\. To specify a positional argument.*$/s, '');
}
