import { journey } from '../dsl/journey';
import { firstOrderNudgeOptions } from './first-order-nudge.options';

/**
 * First-order nudge: a shopper who has never ordered leaves a cart. Email 1 is a game (pick one of
 * four tickets, each reveals the promo code); if no order comes within 2 days, email 2 brings the
 * SAME code and a selection for the city they browsed (event `city`, else the profile's city).
 * Customers who have ordered get abandoned-cart instead, never both.
 */
export const firstOrderNudge = journey(
  firstOrderNudgeOptions,
  async (j) => {
    const promoCode = j.promoCode('FIRST');
    await j.send({ channel: 'email', template: 'first-order-game', step: 'first-order-game', data: { promoCode, tickets: [1, 2, 3, 4] } });

    await j.sleep('2 days'); // an order meanwhile ends the run
    const city = j.trigger?.properties.city ?? j.customer.city;
    await j.send({ channel: 'email', template: 'first-order-city-picks', step: 'first-order-city-picks', data: { promoCode, city } });
  },
);
