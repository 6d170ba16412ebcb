import { journey } from '../dsl/journey';
import { abandonedCartOptions } from './abandoned-cart.options';

/**
 * Abandoned cart, for customers who have ordered before (new ones get first-order-nudge): one run
 * per cart. Reminders 3 hours, 1 day and 3 days after the LAST change to the cart; a new change
 * starts the clock over; an order for that cart ends it.
 */
export const abandonedCart = journey(
  abandonedCartOptions,
  async (j) => {
    // Each reminder's step id is part of its send's idempotency key: a template may be renamed, a step may not.
    const reminders = [
      { after: '3 hours', step: 'cart-reminder-1', template: 'cart-reminder-1' },
      { after: '1 day', step: 'cart-reminder-2', template: 'cart-reminder-2' },
      { after: '3 days', step: 'cart-reminder-3', template: 'cart-reminder-3' },
    ] as const;
    for (const { after, step, template } of reminders) {
      await j.sleepUntilElapsed(after); // since the last cart change
      await j.send({ channel: 'email', template, step });
    }
  },
);
