import type { JourneyOptions } from '../dsl/options';

/** The tyre-season journey's options (its body: tyre-season.ts), read without the body by the API and the router (workflows/manifest.ts). */
export const tyreSeasonOptions: JourneyOptions = {
  id: 'tyre-season',
  topic: 'promotions',
  reentry: 'once',
  goal: { event: 'order.placed', within: '14 days' },
};
