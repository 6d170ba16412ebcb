import type { JourneyOptions } from '../dsl/options';

/** The abandoned-cart journey's options (its body: abandoned-cart.ts), read without the body by the API and the router (workflows/manifest.ts). */
export const abandonedCartOptions: JourneyOptions = {
  id: 'abandoned-cart',
  topic: 'reminders',
  trigger: { event: 'cart.updated', key: 'cartId' },
  restartOn: ['cart.updated'],
  exitOn: ['order.placed'],
  goal: { event: 'order.placed', within: '3 days' },
  reentry: 'after-exit',
  enterIf: (customer) => customer.orderCount > 0 || 'never ordered (first-order-nudge)',
};
