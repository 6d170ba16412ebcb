/**
 * Every command Cascade ships answers `--help` with its usage (exit 0) and a mistake on its command
 * line with what was wrong and the usage (exit 2), as a person typing it expects: no stack trace, and
 * nothing started (each case below would otherwise start servers, connect, or build).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Each command's script, and the words its usage starts with. */
const COMMANDS: Array<[script: string, usage: string]> = [
  ['processes/start.ts', 'usage: npm start'],
  ['processes/api.ts', 'usage: npm run api'],
  ['processes/worker.ts', 'usage: npm run worker'],
  ['processes/router.ts', 'usage: npm run router'],
  ['scripts/simulate.ts', 'usage: npm run simulate -- <journey>'],
  ['scripts/doctor.ts', 'usage: npm run doctor'],
  ['scripts/api-key.ts', 'usage:\n  npm run api-key -- create'],
  ['scripts/topology.ts', 'usage: npm run topology'],
  ['scripts/record-histories.ts', 'usage: npm run histories:record'],
  ['servers/temporal-binaries.ts', 'usage: npm run temporal:binaries'],
  ['bench/run.ts', 'usage: npm run bench'],
  ['bench/report.ts', 'usage: npm run bench:report'],
  ['bench/load.ts', 'usage: npm run load'],
  ['bench/capacity-simulation.ts', 'usage: npm run bench:capacity'],
  ['bench/idle-memory.ts', 'usage: npx tsx bench/idle-memory.ts'],
  ['bench/dev-server-pragmas.ts', 'usage: [BENCH_OPS'],
  ['scripts/build.mjs', 'usage: npm run build'],
];

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(script: string, args: string[]): Promise<Outcome> {
  const node = script.endsWith('.mjs') ? [script] : ['--import', 'tsx', script];
  // No database or Temporal, and a data folder nobody has: a command that went on past its arguments would fail.
  const { DATABASE_URL: _db, TEMPORAL_ADDRESS: _temporal, ...inherited } = process.env;
  const env = { ...inherited, CASCADE_DATA_DIR: '/nonexistent/cascade-cli-test', LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, [...node, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** A few at a time: each is a Node process loading TypeScript. */
async function runAll(args: string[]): Promise<Map<string, Outcome>> {
  const results = new Map<string, Outcome>();
  const queue = [...COMMANDS];
  await Promise.all(
    [1, 2, 3].map(async () => {
      for (let next = queue.shift(); next; next = queue.shift()) results.set(next[0], await run(next[0], args));
    }),
  );
  return results;
}

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+[:(]\d+/m);

describe('command lines', () => {
  it('--help prints the usage on stdout and exits 0, for every command', { timeout: 240_000 }, async () => {
    const results = await runAll(['--help']);
    for (const [script, usage] of COMMANDS) {
      const { code, stdout, stderr } = results.get(script)!;
      expect({ script, code, stdout: stdout.slice(0, usage.length) }, stderr).toEqual({ script, code: 0, stdout: usage });
      noStackTrace(stdout + stderr);
    }
  });

  it('an unknown flag names it, prints the usage on stderr and exits 2, for every command', { timeout: 240_000 }, async () => {
    const results = await runAll(['--frobnicate']);
    for (const [script, usage] of COMMANDS) {
      const { code, stdout, stderr } = results.get(script)!;
      expect({ script, code, stdout }).toEqual({ script, code: 2, stdout: '' });
      expect(stderr, script).toContain("Unknown option '--frobnicate'");
      expect(stderr, script).toContain(usage);
      noStackTrace(stderr);
    }
  });

  it('a missing or bad argument is a usage error too', { timeout: 120_000 }, async () => {
    const cases: Array<[script: string, args: string[], says: string]> = [
      ['scripts/simulate.ts', [], 'which journey?'],
      ['scripts/simulate.ts', ['no-such-journey'], 'no journey "no-such-journey"'],
      ['scripts/simulate.ts', ['welcome', '--customer'], "Option '--customer <value>' argument missing"],
      ['scripts/api-key.ts', [], 'which command?'],
      ['scripts/api-key.ts', ['frobnicate'], 'unknown command "frobnicate"'],
      ['scripts/api-key.ts', ['create', '--name', 'crm'], 'create needs --name and --scopes'],
      ['scripts/topology.ts', ['--shards', 'many'], '--shards wants a whole number of at least 1, got "many"'],
      ['processes/api.ts', ['extra'], "Unexpected argument 'extra'"],
      ['bench/idle-memory.ts', ['--'], 'no command after --'],
    ];
    const outcomes = await Promise.all(cases.map(([script, args]) => run(script, args)));
    for (const [i, [script, args, says]] of cases.entries()) {
      const { code, stdout, stderr } = outcomes[i]!;
      expect({ script, args, code, stdout }).toEqual({ script, args, code: 2, stdout: '' });
      expect(stderr, `${script} ${args.join(' ')}`).toContain(says);
      expect(stderr).toContain('usage:');
      noStackTrace(stderr);
    }
  });
});
