/**
 * Every journey's options, without its body: what the API, the router, campaigns and analytics read
 * of a journey. The worker runs the bodies (journeys/index.ts); test/manifest.test.ts holds the two
 * lists to each other. Add a journey to both.
 */
import { welcomeOptions } from './journeys/welcome.options';
import { serviceReminderOptions } from './journeys/service-reminder.options';
import { orderConfirmationOptions } from './journeys/order-confirmation.options';
import { firstOrderNudgeOptions } from './journeys/first-order-nudge.options';
import { abandonedCartOptions } from './journeys/abandoned-cart.options';
import { reactivationOptions } from './journeys/reactivation.options';
import { birthdayOptions } from './journeys/birthday.options';
import { quarterlyBonusOptions } from './journeys/quarterly-bonus.options';
import { tyreSeasonOptions } from './journeys/tyre-season.options';
import type { JourneyOptions } from './dsl/options';

export const journeyOptions: readonly JourneyOptions[] = [
  welcomeOptions,
  serviceReminderOptions,
  orderConfirmationOptions,
  firstOrderNudgeOptions,
  abandonedCartOptions,
  reactivationOptions,
  birthdayOptions,
  quarterlyBonusOptions,
  tyreSeasonOptions,
];
