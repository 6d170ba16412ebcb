import { journey } from '../dsl/journey';
import { birthdayOptions } from './birthday.options';
import { anniversaryIn, localYear } from '../dsl/local-time';

/**
 * Birthday greeting: on the customer's birthday at 10:00 their time, one greeting on the first
 * channel that works, in the order push, email, wallet app (webhook), SMS. At most once a year:
 * the run for (customer, year) starts only once, whoever starts it.
 *
 * Its audience starts it from the stored birthdays: a scan at 00:00 UTC every day enrols everyone
 * whose birthday is today or tomorrow in their own time zone (29 February on 28 February in common
 * years), keyed by that birthday's year, so a run starts up to a day ahead and sleeps until 10:00;
 * the next day's scan finds the same run and starts nothing. `birthday.upcoming` with the `year`
 * still works and lands on the same run.
 */
export const birthday = journey(
  birthdayOptions,
  async (j) => {
    const year = Number(j.key ?? localYear(Date.now(), j.customer.timeZone));
    const onTime = await j.sleepUntil('10:00', { on: anniversaryIn(year, j.customer.birthday!) });
    if (!onTime) return 'the birthday has passed';
    await j.sendFirstAvailable(['push', 'email', 'webhook', 'sms'], { template: 'birthday-greeting', step: 'birthday-greeting' });
  },
);
