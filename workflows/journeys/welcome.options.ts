import type { JourneyOptions } from '../dsl/options';

/** The welcome journey's options (its body: welcome.ts), read without the body by the API and the router (workflows/manifest.ts). */
export const welcomeOptions: JourneyOptions = {
  id: 'welcome',
  topic: 'news',
  trigger: { event: 'customer.signed_up' },
  exitOn: ['order.placed'],
  goal: { event: 'order.placed', within: '7 days' },
  reentry: 'once',
};
