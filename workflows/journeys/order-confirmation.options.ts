import type { JourneyOptions } from '../dsl/options';

/** The order-confirmation journey's options (its body: order-confirmation.ts), read without the body by the API and the router (workflows/manifest.ts). */
export const orderConfirmationOptions: JourneyOptions = {
  id: 'order-confirmation',
  trigger: { event: 'order.placed' },
  reentry: 'every-trigger',
  transactional: true,
};
