/**
 * `npm run histories:record [-- test/<file>.test.ts …]`: records the histories test/replay.test.ts
 * replays. It runs every test file that records runs (those calling `recordHistory`) with
 * CASCADE_RECORD_HISTORIES=1: the journeys on the time-skipping server, campaigns on the dev server,
 * the real activities on Postgres, the provider fakes, each run checked by its test before it is
 * saved. A run is written as test/histories/<scenario>.<code hash>.json unless that file exists
 * (test/support/histories.ts), so only workflows whose code changed get new files; older files stay.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseCommandLine } from '../lib/cli';
import { root } from '../lib/paths';
import { historiesDir } from '../test/support/histories';

const testDir = join(root, 'test');
const recorders = readdirSync(testDir)
  .filter((f) => f.endsWith('.test.ts') && readFileSync(join(testDir, f), 'utf8').includes('recordHistory('))
  .map((f) => join('test', f));
const USAGE = `usage: npm run histories:record [-- test/<file>.test.ts …]
  Records the replay histories (test/histories/) from every test file that calls recordHistory, or
  from the files named; a history whose file exists is kept as it is.`;
const asked = parseCommandLine(USAGE, { allowPositionals: true, options: {} }).positionals;
const files = asked.length ? asked : recorders;
const before = new Set(readdirSync(historiesDir));

console.log(`Recording histories from ${files.length} test files: ${files.join(' ')}`);
const vitest = spawnSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CASCADE_RECORD_HISTORIES: '1' },
});
const added = readdirSync(historiesDir).filter((f) => !before.has(f));
console.log(added.length ? `\nNew histories:\n${added.map((f) => `  ${relative(root, join(historiesDir, f))}`).join('\n')}` : '\nNo new histories: every recorded scenario already has one of its code as it is.');
if (vitest.status !== 0) {
  console.error('\nSome tests failed: a run is recorded only once its test has checked it, so fix them and record again.');
  process.exit(vitest.status ?? 1);
}
