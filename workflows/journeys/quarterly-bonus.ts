import { journey } from '../dsl/journey';

/**
 * Quarterly bonus: once a quarter, every customer in the "chronic regulars" segment (attribute
 * `chronic`, at least 2 orders in 12 months) gets a 500-rouble bonus offer by email.
 *
 * A broadcast: the `broadcast` workflow (workflows/dsl/broadcast.ts) starts one run per member
 * with the quarter as key ("2027-Q1"), so nobody gets it twice in a quarter. Not wired yet: the
 * quarterly schedule and the segment query that lists the members belong to the segments issue;
 * until then whoever starts the broadcast passes the member list.
 */
export const quarterlyBonus = journey(
  { id: 'quarterly-bonus', topic: 'promotions', reentry: 'once', goal: { event: 'order.placed', within: '30 days' } },
  async (j) => {
    await j.send({ channel: 'email', template: 'quarterly-bonus', data: { bonus: 500, quarter: j.key } });
  },
);
