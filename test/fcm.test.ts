/** The FCM adapter inside the real send pipeline, on a real Postgres, against the fake FCM over HTTP. */
import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/client';
import { messages, pushTokens, suppressions } from '../db/schema';
import { FakeFcm } from './fakes/fcm';
import { FakeGoogleOAuth } from './fakes/google-oauth';
import { seedCustomer } from './support/cascade';
import { createTestDatabase } from './support/database';
import { attempt, sendRequest, sendWith } from './support/send-activity';

let database: Database;
let fcm: FakeFcm;
let send: ReturnType<typeof sendWith>;

beforeAll(async () => {
  [database, fcm] = await Promise.all([createTestDatabase(), FakeFcm.start()]);
  send = sendWith(database.db, fcm.env());
});
afterAll(async () => {
  await fcm?.close();
  await database?.close();
});

async function customerWithToken(id: string): Promise<string> {
  const token = `fcm-token-${id}-0123456789`;
  await seedCustomer(database.db, { id, name: 'Anna' });
  await database.db.insert(pushTokens).values({ token, customerId: id, platform: 'android' });
  return token;
}

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  return p.then(
    () => {
      throw new Error('expected the attempt to fail');
    },
    (err: ApplicationFailure) => err,
  );
}

const tokensOf = (customerId: string) => database.db.select().from(pushTokens).where(eq(pushTokens.customerId, customerId));

describe('push through FCM HTTP v1', () => {
  it("with a service account key: mints a token at the key's token_uri, keeps it, and sends with it", async () => {
    const oauth = await FakeGoogleOAuth.start();
    try {
      const viaAccount = sendWith(database.db, fcm.serviceAccountEnv(oauth));
      await customerWithToken('p-sa');
      for (const orderId of ['SA-1', 'SA-2']) {
        expect(await attempt(viaAccount, sendRequest('p-sa', 'push', { orderId }))).toMatchObject({ status: 'sent', channel: 'push' });
      }
      expect(oauth.issued).toEqual([expect.objectContaining({ scope: 'https://www.googleapis.com/auth/firebase.messaging' })]);
      expect(fcm.requests.slice(-2).map((r) => r.authorization)).toEqual([`Bearer ${oauth.issued[0]!.token}`, `Bearer ${oauth.issued[0]!.token}`]);
    } finally {
      await oauth.close();
    }
  });

  it('sends the documented body with a Bearer token and records FCM\'s message name', async () => {
    const token = await customerWithToken('p-ok');
    const result = await attempt(send, sendRequest('p-ok', 'push', { orderId: 'A-1' }));
    expect(result).toMatchObject({ status: 'sent', channel: 'push' });
    const messageId = (result as { messageId: number }).messageId;
    const request = fcm.requests.at(-1)!;
    expect(request.authorization).toBe(`Bearer ${fcm.accessToken}`);
    expect(JSON.parse(request.body)).toEqual({
      message: {
        token,
        notification: { title: 'Hello Anna', body: 'Your order A-1 is ready.' },
        data: { messageId: String(messageId) },
        android: { collapse_key: String(messageId), notification: { tag: String(messageId) } },
        apns: { headers: { 'apns-collapse-id': String(messageId) } },
      },
    });
    // A repeated push of this message replaces the first on the device, on Android and iOS alike.
    expect(fcm.sent.at(-1)).toMatchObject({ collapseKey: String(messageId), androidTag: String(messageId), apnsCollapseId: String(messageId) });
    const [row] = await database.db.select().from(messages).where(eq(messages.id, messageId));
    expect(row).toMatchObject({ status: 'sent', provider: 'fcm', providerMessageId: fcm.sent.at(-1)!.name });
  });

  it.each([
    ['UNREGISTERED', (t: string) => fcm.unregistered.add(t)],
    ['an invalid-token INVALID_ARGUMENT', (t: string) => fcm.invalid.add(t)],
  ])('%s: the token is deleted, the journey sees skipped invalid_contact', async (_name, kill) => {
    const id = `p-dead-${fcm.requests.length}`;
    const token = await customerWithToken(id);
    kill(token);
    const result = await attempt(send, sendRequest(id, 'push', { orderId: 'A-2' }));
    expect(result).toMatchObject({ status: 'skipped', reason: 'invalid_contact' });
    expect(await tokensOf(id)).toEqual([]);
    expect(await database.db.select().from(suppressions).where(eq(suppressions.address, token))).toMatchObject([{ channel: 'push', reason: 'invalid' }]);
    // With no token left the next push has no address at all; FCM is not asked again.
    const before = fcm.requests.length;
    expect(await attempt(send, sendRequest(id, 'push', { orderId: 'A-3' }))).toMatchObject({ status: 'skipped', reason: 'no_address' });
    expect(fcm.requests).toHaveLength(before);
  });

  it.each([503, 429] as const)('%i with Retry-After: retried after exactly that delay, delivered once', async (status) => {
    const id = `p-outage-${status}`;
    const token = await customerWithToken(id);
    const req = sendRequest(id, 'push', { orderId: 'A-4' });
    fcm.failNext(1, { status, retryAfterS: 17 });
    const err = await failure(attempt(send, req, 1));
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err.nonRetryable).toBe(false);
    expect(err.nextRetryDelay).toBe(17_000);
    expect(err.message).toMatch(status === 503 ? /UNAVAILABLE/ : /QUOTA_EXCEEDED/);
    expect(await tokensOf(id)).toHaveLength(1);

    expect(await attempt(send, req, 2)).toMatchObject({ status: 'sent' });
    expect(fcm.sent.filter((p) => p.token === token)).toHaveLength(1);
  });

  it('a rejected OAuth token fails for good, with FCM\'s reason, and keeps the device token', async () => {
    await customerWithToken('p-auth');
    const wrongToken = sendWith(database.db, { ...fcm.env(), FCM_ACCESS_TOKEN: 'ya29.expired' });
    const err = await failure(attempt(wrongToken, sendRequest('p-auth', 'push', { orderId: 'A-5' })));
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toMatch(/^fcm: FCM 401 UNAUTHENTICATED: Request had invalid authentication credentials/);
    expect(await tokensOf('p-auth')).toHaveLength(1);
    const [row] = await database.db.select().from(messages).where(eq(messages.customerId, 'p-auth'));
    expect(row).toMatchObject({ status: 'failed' });
  });
});
