import { journey } from '../dsl/journey';

/**
 * Tyre season: when the tyre sale starts, customers who looked at tyres out of season and have
 * not opened an email in 90 days get one SMS offer (email evidently does not reach them).
 *
 * A broadcast, keyed by the sale ("tyres-2027-spring"): the `broadcast` workflow starts one run
 * per member. Not wired yet: the "looked at tyres out of season" segment and the sale-start
 * trigger belong to the segments issue; until then whoever starts the broadcast passes the list.
 */
export const tyreSeason = journey(
  { id: 'tyre-season', topic: 'promotions', reentry: 'once', goal: { event: 'order.placed', within: '14 days' } },
  async (j) => {
    if (await j.openedWithin('email', '90 days')) return 'opened an email in the last 90 days';
    await j.send({ channel: 'sms', template: 'tyre-season-offer' });
  },
);
