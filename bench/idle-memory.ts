/**
 * The resident memory of a command's whole process tree at rest: starts it (default `npm start`),
 * waits for "Cascade is running.", lets it settle, then sums each descendant's Pss from /proc (its
 * share of the pages it maps: Postgres backends share their buffers, which summed VmRSS would count
 * once per backend) and prints each process with its VmRSS beside. Linux only; run by hand:
 *
 *   CASCADE_DATA_DIR=/tmp/idle/.data npx tsx bench/idle-memory.ts [settle seconds] [-- command...]
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { parseCommandLine, usageError } from '../lib/cli';

const USAGE = `usage: npx tsx bench/idle-memory.ts [settle seconds] [-- command…]
  Starts the command (npm start), waits for "Cascade is running.", lets it settle (30 s), then prints
  each process of its tree with its Pss and VmRSS, and the sums. Linux only.`;
const { tokens } = parseCommandLine(USAGE, { allowPositionals: true, tokens: true });
const dash = tokens.find((t) => t.kind === 'option-terminator')?.index ?? Infinity;
const words = (keep: (index: number) => boolean) => tokens.flatMap((t) => (t.kind === 'positional' && keep(t.index) ? [t.value] : []));
const [settleText = '30', ...extra] = words((i) => i < dash);
const settleS = Number(settleText);
if (!(settleS >= 0) || extra.length) usageError(USAGE, `expected one number of seconds before --, got "${[settleText, ...extra].join(' ')}"`);
const command = dash === Infinity ? ['npm', 'start'] : words((i) => i > dash);
if (!command.length) usageError(USAGE, 'no command after --');

interface Proc { pid: number; ppid: number; rssKiB: number; pssKiB: number; cmd: string }

function processes(): Proc[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      const status = readFileSync(`/proc/${d}/status`, 'utf8');
      const field = (name: string) => new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1];
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      const pss = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${d}/smaps_rollup`, 'utf8'))?.[1];
      return [{ pid: Number(d), ppid: Number(field('PPid')), rssKiB: Number(field('VmRSS') ?? 0), pssKiB: Number(pss ?? 0), cmd }];
    } catch {
      return []; // gone meanwhile
    }
  });
}

function tree(root: number): Proc[] {
  const all = processes();
  const out: Proc[] = [];
  const walk = (pid: number) => {
    for (const p of all.filter((q) => q.ppid === pid)) {
      out.push(p);
      walk(p.pid);
    }
  };
  const self = all.find((p) => p.pid === root);
  if (self) out.push(self);
  walk(root);
  return out;
}

// Its own process group, so the whole tree is stopped together at the end.
const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
const started = Date.now();
await new Promise<void>((ready, fail) => {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('Cascade is running.')) ready();
  });
  child.once('exit', (code) => fail(new Error(`${command.join(' ')} exited ${code} before it was running:\n${out}`)));
});
const readyS = (Date.now() - started) / 1000;
await new Promise((r) => setTimeout(r, settleS * 1000));
const procs = tree(child.pid!);
const mib = (kib: number) => Math.round(kib / 1024);
console.log('  Pss   VmRSS  pid  command');
for (const p of procs) console.log(`${String(mib(p.pssKiB)).padStart(5)} ${String(mib(p.rssKiB)).padStart(7)}  ${p.pid}  ${p.cmd.slice(0, 130)}`);
const sum = (k: 'pssKiB' | 'rssKiB') => mib(procs.reduce((s, p) => s + p[k], 0));
console.log(`${String(sum('pssKiB')).padStart(5)} ${String(sum('rssKiB')).padStart(7)}  total MiB, Pss and VmRSS (ready in ${readyS.toFixed(1)} s, settled ${settleS} s)`);
process.kill(-child.pid!, 'SIGTERM');
await new Promise((r) => child.once('exit', r));
