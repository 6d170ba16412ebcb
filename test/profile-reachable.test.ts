/**
 * The profile's `reachable` is the send rule's (contactability/eligibility.ts), not a second one: a
 * channel counts when a marketing message of the journey's topic would go there now. Consent for the
 * topic (its own row, else the channel's `*`), an address or a push token, and no suppression.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reachableChannelsSql } from '../contactability/eligibility';
import type { Database } from '../db/client';
import { loadProfile } from '../db/queries/profile';
import { consents, pushTokens, suppressions } from '../db/schema';
import { seedCustomer } from './support/cascade';
import { createTestDatabase } from './support/database';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const reachable = async (id: string, topic?: string, webhookUrl?: string) =>
  (await loadProfile(database.db, id, reachableChannelsSql(topic, webhookUrl)))!.reachable.sort();

describe("the profile's reachable channels", () => {
  it('lists a channel with consent and an address, and drops it once the address is suppressed', async () => {
    await seedCustomer(database.db, { id: 'anna', phone: '+79161234567', consent: ['email', 'sms'] });
    expect(await reachable('anna', 'promotions')).toEqual(['email', 'sms']);
    // A bounce suppresses the address, however it was spelled: the send would be skipped, so the journey must not count on it.
    await database.db.insert(suppressions).values({ channel: 'email', address: 'anna@example.com', reason: 'hard_bounce' });
    expect(await reachable('anna', 'promotions')).toEqual(['sms']);
  });

  it("judges consent by the journey's topic: its own row first, else the channel's *", async () => {
    await seedCustomer(database.db, { id: 'boris', consent: [] });
    await database.db.insert(consents).values({ customerId: 'boris', channel: 'email', topic: 'reminders', granted: true });
    expect(await reachable('boris', 'reminders')).toEqual(['email']);
    expect(await reachable('boris', 'promotions')).toEqual([]);
    await database.db.insert(consents).values({ customerId: 'boris', channel: 'email', topic: '*', granted: true });
    expect(await reachable('boris', 'promotions')).toEqual(['email']);
    // The topic's own refusal outranks the channel-wide grant.
    await database.db.insert(consents).values({ customerId: 'boris', channel: 'email', topic: 'news', granted: false });
    expect(await reachable('boris', 'news')).toEqual([]);
  });

  it('needs an address, a push token, or a configured webhook', async () => {
    await seedCustomer(database.db, { id: 'dina', email: null, consent: ['email', 'sms', 'push', 'webhook'] });
    expect(await reachable('dina', 'promotions')).toEqual([]);
    await database.db.insert(pushTokens).values({ token: 'dina-token', customerId: 'dina' });
    expect(await reachable('dina', 'promotions', 'https://wallet.example/hook')).toEqual(['push', 'webhook']);
  });
});
