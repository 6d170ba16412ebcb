/**
 * Running a process's `main`. From source (`tsx processes/api.ts`) a module runs its main when it is the
 * script node was started with. In dist/ every module shares the bundle's url, so that test would
 * hold for each main bundled into one file; there it answers false and the build's entry module
 * calls `runMain` itself (scripts/build.mjs).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandLine } from './cli';
import { logger } from './logger';
import { bundled } from './paths';

export function isMainModule(url: string): boolean {
  return !bundled && !!process.argv[1] && resolve(process.argv[1]) === fileURLToPath(url);
}

/**
 * Runs a process's `main` after its command line: these processes take no arguments, so `--help`
 * prints `usage` (exit 0) and anything else is a usage error (exit 2) before anything starts. A failed
 * start is logged ("api failed"; secrets masked, like every log line) and ends the process with 1.
 */
export function runMain(name: string, main: () => Promise<void>, usage: string): void {
  parseCommandLine(usage, {});
  main().catch((err) => {
    logger.fatal({ err }, `${name} failed`);
    process.exit(1);
  });
}
