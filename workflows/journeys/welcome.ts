import { journey } from '../dsl/journey';
import { welcomeOptions } from './welcome.options';

/**
 * Welcome chain: six emails over two weeks for a new customer. One explains how fitting works,
 * one carries a first-order promo code. The first order ends the chain. The first email's subject
 * is an A/B test: a plain welcome (a) against the gift named in the subject (b).
 */
export const welcome = journey(
  welcomeOptions,
  async (j) => {
    const promoCode = j.promoCode('WELCOME');
    const subjectTest = await j.variant('subject-test', ['a', 'b']);
    // Each link's step id is part of its sends' idempotency keys: a template may be renamed, a step may not.
    const chain = [
      { wait: '0 days', step: 'welcome-hello', template: 'welcome-hello' },
      { wait: '1 day', step: 'welcome-fitting', template: 'welcome-fitting' },
      { wait: '2 days', step: 'welcome-promo', template: 'welcome-promo' },
      { wait: '2 days', step: 'welcome-bestsellers', template: 'welcome-bestsellers' },
      { wait: '3 days', step: 'welcome-reviews', template: 'welcome-reviews' },
      { wait: '5 days', step: 'welcome-last-call', template: 'welcome-last-call' },
    ] as const;
    for (const { wait, step, template } of chain) {
      await j.sleep(wait);
      await j.send({ channel: 'email', template, step, data: { promoCode, subjectTest } });
    }
  },
);
