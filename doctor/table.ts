/** The doctor's answer as a terminal table: status, check, what was seen, and under it what to do. */
import type { Check, Status } from './check';

const MARK: Record<Status, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };
const COLOUR: Record<Status, string> = { pass: '\u001b[32m', warn: '\u001b[33m', fail: '\u001b[31m' };
const RESET = '\u001b[0m';

export function formatTable(checks: Check[], opts: { colour?: boolean } = {}): string {
  const nameWidth = Math.max(5, ...checks.map((c) => c.name.length));
  const paint = (status: Status, text: string) => (opts.colour ? `${COLOUR[status]}${text}${RESET}` : text);
  const lines = [`${'STATUS'}  ${'CHECK'.padEnd(nameWidth)}  DETAIL`];
  for (const c of checks) {
    lines.push(`${paint(c.status, MARK[c.status].padEnd(6))}  ${c.name.padEnd(nameWidth)}  ${c.detail}`);
    if (c.fix) lines.push(`${' '.repeat(8 + nameWidth)}  → ${c.fix}`);
  }
  const count = (s: Status) => checks.filter((c) => c.status === s).length;
  lines.push('', `${count('pass')} pass, ${count('warn')} warn, ${count('fail')} fail`);
  return lines.join('\n');
}
