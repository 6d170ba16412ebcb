/**
 * Probe journeys for the DSL tests: each exercises one primitive and reports what it saw as its
 * end reason ("completed: <json>"). Bundled only by test/support/probes.ts, never by the worker.
 */
import { journey } from '../../workflows/dsl/journey';
import type { Channel } from '../../workflows/contract';

type Props = { channels?: Channel[]; quietHours?: 'defer' | 'skip' | 'ignore'; template?: string; wait?: string; on?: string };
const props = (p: Record<string, unknown> | undefined) => (p ?? {}) as Props;

/** Sends `probe` on each channel in turn; reports the typed results. */
export const sendProbe = journey({ id: 'send-probe' }, async (j) => {
  const { channels = ['email'], quietHours, template = 'probe' } = props(j.trigger?.properties);
  const results = [];
  for (const [i, channel] of channels.entries()) {
    const step = channels.indexOf(channel) === i ? `send-${channel}` : `send-${channel}-${i}`;
    results.push(await j.send({ channel, template, step, quietHours }));
  }
  return JSON.stringify(results);
});

export const transactionalSendProbe = journey({ id: 'transactional-send-probe', transactional: true }, async (j) => {
  return JSON.stringify(await j.send({ channel: 'sms', template: 'probe', step: 'probe' }));
});

export const firstAvailableProbe = journey({ id: 'first-available-probe' }, async (j) => {
  const { channels = ['push', 'email', 'webhook', 'sms'] } = props(j.trigger?.properties);
  return JSON.stringify(await j.sendFirstAvailable(channels, { template: 'probe', step: 'probe' }));
});

/** Sleeps as told, then sends one email, so the ledger shows when the sleep ended. */
export const sleepProbe = journey({ id: 'sleep-probe' }, async (j) => {
  const { wait = '1 day', on } = props(j.trigger?.properties);
  if (wait.includes(':')) {
    const onTime = await j.sleepUntil(wait, on ? { on } : undefined);
    if (!onTime) return 'too late';
  } else await j.sleep(wait);
  await j.send({ channel: 'email', template: 'probe', step: 'probe' });
});

/** Reminders 1 and 3 hours after the body (re)started; `again` restarts it. */
export const elapsedProbe = journey({ id: 'elapsed-probe', restartOn: ['again'] }, async (j) => {
  for (const [after, step] of [['1 hour', 'first'], ['3 hours', 'second']] as const) {
    await j.sleepUntilElapsed(after);
    await j.send({ channel: 'email', template: 'probe', step });
  }
});

/** Waits for `ping` (up to 2 days) after sleeping `wait`; reports what it got. */
export const waitProbe = journey({ id: 'wait-probe', waitsFor: ['ping', 'pong'] }, async (j) => {
  const { wait = '0 seconds' } = props(j.trigger?.properties);
  await j.sleep(wait);
  const got = [];
  for (let i = 0; i < 2; i++) {
    const e = await j.waitFor(['ping', { event: 'pong', where: (ev) => ev.properties.n === 2 }], { timeout: '2 days' });
    got.push(e ? `${e.type}:${e.id}` : null);
  }
  return JSON.stringify(got);
});

/** Three emails a day apart; `stop` ends it, `again` starts it over, `buy` within a day is the goal. */
export const optionsProbe = journey(
  { id: 'options-probe', exitOn: ['stop'], restartOn: ['again'], goal: { event: 'buy', within: '1 day' } },
  async (j) => {
    for (const step of ['one', 'two', 'three']) {
      await j.sleep('1 day');
      await j.send({ channel: 'email', template: 'probe', step });
    }
  },
);

export const enterIfProbe = journey(
  { id: 'enter-if-probe', enterIf: (customer) => customer.attributes.vip === true || 'not a VIP' },
  async (j) => {
    await j.send({ channel: 'email', template: 'probe', step: 'probe' });
  },
);

/**
 * Six emails a day apart under a promo code, a `ping` wait between day 3 and 4, and a 10-day goal:
 * with a history limit of 40 events it continues-as-new several times on the way.
 */
export const longProbe = journey(
  { id: 'long-probe', historyLimit: 40, goal: { event: 'buy', within: '10 days' }, waitsFor: ['ping'] },
  async (j) => {
    const code = j.promoCode('LONG');
    let pinged = 'no ping';
    for (let day = 1; day <= 6; day++) {
      await j.sleep('1 day');
      await j.send({ channel: 'email', template: 'probe', step: `day-${day}`, data: { code } });
      if (day === 3) pinged = (await j.waitFor('ping', { timeout: '12 hours' }))?.id ?? 'no ping';
    }
    return `${code} ${pinged}`;
  },
);

/** An A/B split (weights when the trigger names them), then two sends; reports the variant. */
export const variantProbe = journey({ id: 'variant-probe', goal: { event: 'order.placed', within: '7 days' } }, async (j) => {
  const weights = j.trigger?.properties.weighted ? { a: 90, b: 10 } : ['a', 'b'];
  const subject = await j.variant('subject-test', weights as readonly ('a' | 'b')[]);
  await j.send({ channel: 'email', template: 'probe', step: 'first' });
  await j.sleep('1 day');
  await j.send({ channel: 'email', template: 'probe', step: 'second' });
  return subject;
});

/** A variant and nothing else: no send carries it, so the run's end writes it. */
export const variantOnlyProbe = journey({ id: 'variant-only-probe' }, async (j) => j.variant('subject-test', ['a', 'b']));

/** Keeps 20% of its customers out; the rest get one email. */
export const holdoutProbe = journey({ id: 'holdout-probe', holdout: { percent: 20 }, goal: { event: 'order.placed', within: '7 days' } }, async (j) => {
  await j.send({ channel: 'email', template: 'probe', step: 'probe' });
});

/** A variant, then sleeps enough to continue-as-new (historyLimit), then a send: the variant travels. */
export const variantContinueProbe = journey({ id: 'variant-continue-probe', historyLimit: 12 }, async (j) => {
  const subject = await j.variant('subject-test', ['a', 'b']);
  for (let day = 0; day < 4; day++) await j.sleep('1 day');
  await j.send({ channel: 'email', template: 'probe', step: 'probe' });
  return subject;
});

/** The profile at the start and after a day (j.refreshCustomer), two promo codes, and recent opens. */
export const profileProbe = journey({ id: 'profile-probe', topic: 'promotions' }, async (j) => {
  const before = j.customer.reachable;
  const codes = [j.promoCode('P'), j.promoCode('P')];
  await j.sleep('1 day');
  const after = (await j.refreshCustomer()).reachable;
  const opened = [await j.openedWithin('email', '30 days'), await j.openedWithin('email', '7 days')];
  return JSON.stringify({ before, after, current: j.customer.reachable, codes, opened });
});
