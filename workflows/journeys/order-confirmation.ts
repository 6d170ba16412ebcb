import { journey } from '../dsl/journey';

/**
 * Order confirmation (transactional): every `order.placed` gets a confirmation email at once,
 * regardless of marketing consent and caps, never to a suppressed address. Each order event is
 * its own run; the API drops a repeated event id.
 */
export const orderConfirmation = journey(
  { id: 'order-confirmation', trigger: { event: 'order.placed' }, reentry: 'every-trigger', transactional: true },
  async (j) => {
    await j.send({ channel: 'email', template: 'order-confirmation', step: 'order-confirmation' });
  },
);
