import type { JourneyOptions } from '../dsl/options';

/** The quarterly-bonus journey's options (its body: quarterly-bonus.ts), read without the body by the API and the router (workflows/manifest.ts). */
export const quarterlyBonusOptions: JourneyOptions = {
  id: 'quarterly-bonus',
  topic: 'promotions',
  reentry: 'once',
  goal: { event: 'order.placed', within: '30 days' },
};
