import { journey } from '../dsl/journey';
import { orderConfirmationOptions } from './order-confirmation.options';

/**
 * Order confirmation (transactional): every `order.placed` gets a confirmation email at once,
 * regardless of marketing consent and caps, never to a suppressed address. Each order event is
 * its own run; the API drops a repeated event id.
 */
export const orderConfirmation = journey(
  orderConfirmationOptions,
  async (j) => {
    await j.send({ channel: 'email', template: 'order-confirmation', step: 'order-confirmation' });
  },
);
