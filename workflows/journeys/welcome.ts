import { journey } from '../dsl/journey';

/**
 * Welcome chain: six emails over two weeks for a new customer. One explains how fitting works,
 * one carries a first-order promo code. The first order ends the chain. The first email's subject
 * is an A/B test: a plain welcome (a) against the gift named in the subject (b).
 */
export const welcome = journey(
  {
    id: 'welcome',
    topic: 'news',
    trigger: { event: 'customer.signed_up' },
    exitOn: ['order.placed'],
    goal: { event: 'order.placed', within: '7 days' },
    reentry: 'once',
  },
  async (j) => {
    const promoCode = j.promoCode('WELCOME');
    const subjectTest = await j.variant('subject-test', ['a', 'b']);
    const chain = [
      ['0 days', 'welcome-hello'],
      ['1 day', 'welcome-fitting'],
      ['2 days', 'welcome-promo'],
      ['2 days', 'welcome-bestsellers'],
      ['3 days', 'welcome-reviews'],
      ['5 days', 'welcome-last-call'],
    ] as const;
    for (const [wait, template] of chain) {
      await j.sleep(wait);
      await j.send({ channel: 'email', template, data: { promoCode, subjectTest } });
    }
  },
);
