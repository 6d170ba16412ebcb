/**
 * `npm run simulate` on every example in examples/, as a user runs it (a process of its own, its own
 * time-skipping server and Postgres): the printed timeline says which messages go at which offsets,
 * which events reach the run, and how the run ends. Each run starts at 12:00 in Moscow (`--start`),
 * Anna's time zone, so quiet hours (21:00-09:00) never move a push or an SMS whatever the hour the
 * suite runs at.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { root } from '../lib/paths';
import { allJourneys } from '../workflows/registry';

const run = promisify(execFile);

/** The timeline of each example, offset and columns with their padding collapsed. */
const expected: Record<string, string[]> = {
  'abandoned-cart.events.json': [
    '+0h event cart.updated {"cartId":"c-77","itemCount":2}',
    '+0h 30m event cart.updated {"cartId":"c-77","itemCount":3}',
    '+1h 30m cart-reminder-1 email cart-reminder-1 sent',
    '+4h 30m cart-reminder-2 email cart-reminder-2 sent',
    '+1d 04h 30m cart-reminder-3 email cart-reminder-reviews sent',
    '+4d 04h 30m cart-reminder-4 email cart-reminder-3 sent',
    '+4d 12h event order.placed {"orderId":"A-1002","cartId":"c-77"}',
    '+4d 12h ended: completed: converted',
  ],
  'reactivation.events.json': [
    '+0h event customer.pre_churn',
    '+0h offer-email email reactivation-offer sent',
    '+0h offer-push push reactivation-offer sent',
    '+2d 00h offer-sms sms reactivation-offer sent (2 segments)',
    '+9d 00h ended: completed',
  ],
  'reactivation-opened.events.json': [
    '+0h event customer.pre_churn',
    '+0h offer-email email reactivation-offer sent',
    '+0h offer-push push reactivation-offer sent',
    '+20h event message.opened {"step":"offer-email","messageId":1,"channel":"email","journey":"reactivation","template":"reactivation-offer"}',
    '+4d 00h event order.placed {"orderId":"S-88","source":"offline"}',
    // The opened offer ended the body; the order inside the goal window is its conversion.
    '+4d 00h ended: completed: converted',
  ],
  'welcome.events.json': [
    '+0h event customer.signed_up',
    '+0h welcome-hello email welcome-hello sent',
    '+1d 00h welcome-fitting email welcome-fitting sent',
    '+3d 00h welcome-promo email welcome-promo sent',
    '+4d 00h event order.placed {"orderId":"A-1001","total":4990}',
    '+4d 00h ended: exited: order.placed',
  ],
};

const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.events.json')).sort();

/** The journey an events file is for: its name, or its name's prefix before a `-<case>`. */
function journeyOf(file: string): string {
  const name = file.replace(/\.events\.json$/, '');
  const ids = allJourneys.map((j) => j.options.id).sort((a, b) => b.length - a.length);
  const id = ids.find((j) => name === j || name.startsWith(`${j}-`));
  if (!id) throw new Error(`examples/${file} names no journey`);
  return id;
}

/** The next 12:00 in Moscow (UTC+3 all year) at least ten minutes from now. */
function nextMoscowNoon(): string {
  const noon = new Date();
  noon.setUTCHours(9, 0, 0, 0);
  while (noon.getTime() < Date.now() + 10 * 60_000) noon.setUTCDate(noon.getUTCDate() + 1);
  return noon.toISOString().replace('Z', '+00:00');
}

describe('npm run simulate on examples/', () => {
  it('has an expected timeline for every example', () => {
    expect(examples).toEqual(Object.keys(expected).sort());
  });

  it.each(examples)('%s', async (file) => {
    const journey = journeyOf(file);
    const start = nextMoscowNoon();
    const { stdout } = await run(
      join(root, 'node_modules', '.bin', 'tsx'),
      ['scripts/simulate.ts', journey, '--customer', 'examples/anna.json', '--events', `examples/${file}`, '--start', start],
      { cwd: root, env: { ...process.env, TEMPORAL_TEST_SERVER_PATH: inject('temporalTestServer'), LOG_LEVEL: 'warn' }, timeout: 110_000 },
    );
    const lines = stdout.split('\n').filter((l) => l.trim());
    expect(lines[0]).toMatch(new RegExp(`^${journey} for anna \\(Europe/Moscow\\), started ${start.slice(0, 16)}`));
    const header = lines.findIndex((l) => /^offset\s+step\s+channel\s+template\s+result$/.test(l));
    expect(header, stdout).toBeGreaterThan(0);
    expect(lines.slice(header + 1).map((l) => l.replace(/\s+/g, ' ').trim())).toEqual(expected[file]);
  });
});
