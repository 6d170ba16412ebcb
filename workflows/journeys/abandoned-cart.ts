import { journey } from '../dsl/journey';

/**
 * Abandoned cart, for customers who have ordered before (new ones get first-order-nudge): one run
 * per cart. Reminders 3 hours, 1 day and 3 days after the LAST change to the cart; a new change
 * starts the clock over; an order for that cart ends it.
 */
export const abandonedCart = journey(
  {
    id: 'abandoned-cart',
    topic: 'reminders',
    trigger: { event: 'cart.updated', key: 'cartId' },
    restartOn: ['cart.updated'],
    exitOn: ['order.placed'],
    goal: { event: 'order.placed', within: '3 days' },
    reentry: 'after-exit',
    enterIf: (customer) => customer.orderCount > 0 || 'never ordered (first-order-nudge)',
  },
  async (j) => {
    const reminders = [
      ['3 hours', 'cart-reminder-1'],
      ['1 day', 'cart-reminder-2'],
      ['3 days', 'cart-reminder-3'],
    ] as const;
    for (const [after, template] of reminders) {
      await j.sleepUntilElapsed(after); // since the last cart change
      await j.send({ channel: 'email', template });
    }
  },
);
