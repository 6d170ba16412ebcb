import { journey } from '../dsl/journey';
import { anniversaryIn, localYear } from '../dsl/local-time';

/**
 * Birthday greeting: on the customer's birthday at 10:00 their time, one greeting on the first
 * channel that works, in the order push, email, wallet app (webhook), SMS. At most once a year:
 * `birthday.upcoming` (sent some days ahead by a daily job) carries the `year`, and the run for
 * (customer, year) starts only once.
 */
export const birthday = journey(
  {
    id: 'birthday',
    topic: 'news',
    trigger: { event: 'birthday.upcoming', key: 'year', properties: { year: 'year' } },
    reentry: 'once',
    enterIf: (customer) => customer.birthday !== null || 'no birthday on file',
  },
  async (j) => {
    const year = Number(j.key ?? localYear(Date.now(), j.customer.timeZone));
    const onTime = await j.sleepUntil('10:00', { on: anniversaryIn(year, j.customer.birthday!) });
    if (!onTime) return 'the birthday has passed';
    await j.sendFirstAvailable(['push', 'email', 'webhook', 'sms'], { template: 'birthday-greeting' });
  },
);
