import type { JourneyOptions } from '../dsl/options';

/** The first-order-nudge journey's options (its body: first-order-nudge.ts), read without the body by the API and the router (workflows/manifest.ts). */
export const firstOrderNudgeOptions: JourneyOptions = {
  id: 'first-order-nudge',
  topic: 'promotions',
  trigger: { event: 'cart.abandoned' },
  exitOn: ['order.placed'],
  goal: { event: 'order.placed', within: '7 days' },
  reentry: 'once',
  enterIf: (customer) =>
    customer.orderCount > 0
      ? 'has ordered before (abandoned-cart)'
      : customer.reachable.includes('email') || 'no email we may write to',
};
