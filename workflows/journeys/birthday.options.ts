import type { JourneyOptions } from '../dsl/options';

/** The birthday journey's options (its body: birthday.ts), read without the body by the API and the router (workflows/manifest.ts). */
export const birthdayOptions: JourneyOptions = {
  id: 'birthday',
  topic: 'news',
  trigger: { event: 'birthday.upcoming', key: 'year', properties: { year: 'year' } },
  reentry: 'once',
  enterIf: (customer) => customer.birthday !== null || 'no birthday on file',
  audience: { where: { birthday: { within: '1 day' } }, schedule: { cron: '0 0 * * *' }, key: 'year-of-birthday' },
};
