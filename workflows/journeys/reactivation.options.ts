import type { JourneyOptions } from '../dsl/options';

/** The reactivation journey's options (its body: reactivation.ts), read without the body by the API and the router (workflows/manifest.ts). */
export const reactivationOptions: JourneyOptions = {
  id: 'reactivation',
  topic: 'promotions',
  trigger: { event: 'customer.pre_churn' },
  exitOn: ['order.placed'],
  goal: { event: 'order.placed', within: '7 days' },
  reentry: 'after-exit',
  enterIf: (customer, trigger) =>
    !customer.lastOrderAt || !trigger || customer.lastOrderAt < trigger.occurredAt || 'ordered since the pre-churn check',
  audience: {
    where: { all: [{ orders: { count: { gte: 2 }, within: '365 days' } }, { orders: { olderThan: '60 days' } }] },
    schedule: { cron: '0 6 * * *' },
    key: 'last-order',
  },
};
