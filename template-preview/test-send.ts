/**
 * A copy of a template sent to a person checking it (`[Test] ` before its subject, push title or SMS
 * text), through the same channel adapter a journey's send uses. It is no message to a customer: no
 * ledger row, so it is in no analytics, cap or email health, and no consent or suppression applies.
 */
import { randomUUID } from 'node:crypto';
import type { ChannelRegistry } from '../activities/channels';
import { HttpError } from '../lib/http-error';
import { logger, maskContacts } from '../lib/logger';
import type { TestSendRequest } from '../schemas/templates';
import type { Delivery } from '../activities/channels/types';
import type { Previewer } from './preview';

const MARK = '[Test] ';

/**
 * The ledger id a test copy carries where an adapter wants one (Resend's tag, SMSC's client id, FCM's
 * collapse key): the largest the ledger's serial column can hold, so no row has it and a provider's
 * report about the copy finds nothing to update.
 */
export const TEST_MESSAGE_ID = 2_147_483_647;

/** Enough of the address to recognise it in a log, not to use it. */
function masked(channel: TestSendRequest['channel'], to: string): string {
  return channel === 'push' ? `${to.slice(0, 6)}…` : maskContacts(to);
}

export function createTestSender(deps: { channels: ChannelRegistry; preview: Previewer }) {
  return async function testSend(template: string, req: TestSendRequest): Promise<Delivery> {
    // Rendered first: an unknown template or channel is named before the provider is.
    const rendered = await deps.preview(template, { channel: req.channel, locale: req.locale, data: req.data, transactional: req.transactional });
    const adapter = deps.channels[req.channel];
    if (adapter.provider === 'outbox') {
      throw new HttpError(400, 'invalid_request', `channel: no provider is configured for ${req.channel} (it goes to the outbox), so a test copy would reach nobody`, 'channel');
    }
    const body = req.channel === 'email' ? rendered.html! : rendered.text;
    const idempotencyKey = `test-send/${randomUUID()}`;
    let delivery: Delivery;
    try {
      delivery = await adapter.send({
        messageId: TEST_MESSAGE_ID,
        idempotencyKey,
        channel: req.channel,
        customerId: 'test-send',
        to: req.to,
        subject: rendered.subject === null ? null : `${MARK}${rendered.subject}`,
        // Channels without a subject carry the mark in the text.
        body: req.channel === 'sms' || req.channel === 'telegram' ? `${MARK}${body}` : body,
        // No List-Unsubscribe header: the footer's sample link unsubscribes nobody.
        transactional: true,
        unsubscribeUrl: null,
        template,
        attemptedBefore: false,
      });
    } catch (err) {
      logger.warn({ template, channel: req.channel, to: masked(req.channel, req.to), provider: adapter.provider, err }, 'test send refused by the provider');
      throw new HttpError(502, 'provider_error', `${adapter.provider}: ${(err as Error).message}`);
    }
    logger.info({ template, channel: req.channel, to: masked(req.channel, req.to), provider: delivery.provider, idempotencyKey }, 'test send');
    return delivery;
  };
}
