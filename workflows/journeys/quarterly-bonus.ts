import { journey } from '../dsl/journey';
import { quarterlyBonusOptions } from './quarterly-bonus.options';
import { localQuarter } from '../dsl/local-time';

/**
 * Quarterly bonus: once a quarter, every customer in the "chronic regulars" segment (attribute
 * `chronic`, at least 2 orders in 12 months) gets a 500-rouble bonus offer by email.
 *
 * A campaign with a quarterly schedule (README, "Campaigns": `POST /v1/segments` with
 * `{ all: [{ attribute: "attributes.chronic", eq: true }, { orders: { count: { gte: 2 }, within: "365 days" } }] }`,
 * then `POST /v1/campaigns` `{ journey: "quarterly-bonus", schedule: { cron: "0 9 1 1,4,7,10 *" } }`):
 * each firing starts one run per member keyed by the campaign and the firing, so nobody gets it
 * twice in a quarter.
 */
export const quarterlyBonus = journey(
  quarterlyBonusOptions,
  async (j) => {
    // The run key names the firing (`bonus@2027-01-01T06:00Z`); the customer reads the quarter.
    await j.send({ channel: 'email', template: 'quarterly-bonus', step: 'quarterly-bonus', data: { bonus: 500, quarter: localQuarter(Date.now(), j.customer.timeZone) } });
  },
);
