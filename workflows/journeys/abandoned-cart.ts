import type { JourneyContext } from '../dsl/context';
import { journey } from '../dsl/journey';
import { abandonedCartOptions } from './abandoned-cart.options';

/**
 * Abandoned cart, for customers who have ordered before (new ones get first-order-nudge): one run
 * per cart. Four letters (the seed's series: "с разницей в три часа, сутки и три дня"): the first
 * an hour after the LAST change to the cart, then 3 hours, a day and three days after the one
 * before. A new change starts the series over; an order for that cart ends it.
 */
export const abandonedCart = journey(
  abandonedCartOptions,
  async (j) => {
    // Each letter's step id is part of its send's idempotency key: a template may be renamed, a step may not.
    if (!j.patched('cart-four-letters')) return threeLetters(j);
    const letters = [
      { wait: '1 hour', step: 'cart-reminder-1', template: 'cart-reminder-1' },
      { wait: '3 hours', step: 'cart-reminder-2', template: 'cart-reminder-2' },
      { wait: '1 day', step: 'cart-reminder-3', template: 'cart-reminder-reviews' },
      { wait: '3 days', step: 'cart-reminder-4', template: 'cart-reminder-3' },
    ] as const;
    for (const { wait, step, template } of letters) {
      await j.sleep(wait);
      await j.send({ channel: 'email', template, step });
    }
  },
);

/** Runs started before the fourth letter keep their three: 3 hours, 1 day and 3 days after the change. */
async function threeLetters(j: JourneyContext): Promise<void> {
  const reminders = [
    { after: '3 hours', step: 'cart-reminder-1', template: 'cart-reminder-1' },
    { after: '1 day', step: 'cart-reminder-2', template: 'cart-reminder-2' },
    { after: '3 days', step: 'cart-reminder-3', template: 'cart-reminder-3' },
  ] as const;
  for (const { after, step, template } of reminders) {
    await j.sleepUntilElapsed(after); // since the last cart change
    await j.send({ channel: 'email', template, step });
  }
}
