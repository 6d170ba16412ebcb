import { journey } from '../dsl/journey';
import { tyreSeasonOptions } from './tyre-season.options';

/**
 * Tyre season: when the tyre sale starts, customers who looked at tyres out of season and have
 * not opened an email in 90 days get one SMS offer (email evidently does not reach them).
 *
 * A campaign per sale: the segment `{ all: [{ event: { type: "product.viewed", where: { category:
 * "tyres" }, within: "365 days" } }, { engagement: { channel: "email", opened: false, within: "90 days" } }] }`
 * and, when the sale starts, `POST /v1/campaigns` `{ id: "tyres-2027-spring", journey: "tyre-season",
 * segment }`: one run per member and sale (the campaign id is the key). Not daily, since the sale
 * decides when; a seasonal cron schedule would do as well.
 */
export const tyreSeason = journey(
  tyreSeasonOptions,
  async (j) => {
    if (await j.openedWithin('email', '90 days')) return 'opened an email in the last 90 days';
    await j.send({ channel: 'sms', template: 'tyre-season-offer', step: 'tyre-season-offer' });
  },
);
