import { opensOrClicks } from '../dsl/events';
import { journey } from '../dsl/journey';
import { reactivationOptions } from './reactivation.options';

/**
 * Reactivation cascade, for customers in pre-churn (no order, online or offline, for N days after
 * ordering regularly). The offer goes by email and push at once; if neither is opened or clicked
 * and no order comes within 2 days, it goes by SMS. Any order, in a store too (`order.placed` with
 * source offline), ends the run: nobody who bought yesterday is told they were missed.
 *
 * Its audience finds pre-churn customers every morning (06:00 UTC): two or more orders in the last
 * year, online or offline, and none in the last 60 days. Each lapse gets one run, keyed by the day
 * of the last order: a customer who orders again and lapses again is written to again.
 * `customer.pre_churn` from a product system still starts it too; an order newer than that event
 * means the customer is no longer pre-churn, and the run does not start.
 */
export const reactivation = journey(
  reactivationOptions,
  async (j) => {
    const offer = { promoCode: j.promoCode('BACK') };
    const email = await j.send({ channel: 'email', template: 'reactivation-offer', step: 'offer-email', data: offer });
    const push = await j.send({ channel: 'push', template: 'reactivation-offer', step: 'offer-push', data: offer });

    const reaction = await j.waitFor(opensOrClicks([email, push]), { timeout: '2 days' });
    if (reaction) return `reacted: ${reaction.type}`;
    await j.send({ channel: 'sms', template: 'reactivation-offer', step: 'offer-sms', data: offer });
  },
);
