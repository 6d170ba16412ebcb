/**
 * GET /v1/customers/:customerId/telegram/link: the bot's deep link for one customer (link.ts).
 * POST /telegram/webhook: the Updates Telegram posts, with the secret_token given to setWebhook in
 * X-Telegram-Bot-Api-Secret-Token (updates.ts). Telegram retries whatever it does not get a 2xx for,
 * so an Update Cascade has no use for is answered 200 and forgotten.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { Router, type RequestHandler } from 'express';
import type { BotApi } from '../../activities/channels/telegram/bot-api';
import { mintLinkToken } from '../../activities/channels/telegram/link';
import { handleUpdate } from '../../activities/channels/telegram/updates';
import { customerTarget } from '../../audit/declare';
import type { Db } from '../../db/client';
import { customers } from '../../db/schema';
import { HttpError, parse } from '../../lib/http-error';
import { customerIdSchema } from '../../schemas/common';
import { telegramLinkAnswer, telegramUpdate } from '../../schemas/telegram';
import { jsonBody } from '../json-body';
import { mount, type ApiRoute } from '../declared-route';

export const telegramRoutes = {
  link: {
    method: 'get',
    path: '/v1/customers/{customerId}/telegram/link',
    summary: "A deep link to the shop's Telegram bot that links the chat opening it to the customer (once, within the hour)",
    key: 'ingest',
    audit: { action: 'telegram.link', target: (req) => customerTarget(String(req.params.customerId)), onlyAdminKeys: true },
    ok: { 200: { description: 'The link', schema: telegramLinkAnswer } },
    errors: [400, 401, 404, 502, 503],
  },
  webhook: {
    method: 'post',
    path: '/telegram/webhook',
    summary: 'Bot API Updates from Telegram, with X-Telegram-Bot-Api-Secret-Token: /start <token> links a chat, a block suppresses it',
    key: false,
    body: { schema: telegramUpdate },
    ok: { 200: { description: 'Taken, or ignored' } },
    errors: [400, 401, 503],
  },
} satisfies Record<string, ApiRoute>;

export interface TelegramRouteDeps {
  db: Db;
  /** Without it (no CASCADE_TELEGRAM_BOT_TOKEN or no CASCADE_TELEGRAM_WEBHOOK_SECRET) both routes answer 503. */
  telegram?: { api: BotApi; webhookSecret: string };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

function configured(deps: TelegramRouteDeps): NonNullable<TelegramRouteDeps['telegram']> {
  if (!deps.telegram) throw new HttpError(503, 'not_configured', 'Telegram is not configured: set CASCADE_TELEGRAM_BOT_TOKEN and CASCADE_TELEGRAM_WEBHOOK_SECRET');
  return deps.telegram;
}

/** The deep link, behind the API key (mounted with the /v1 routes). */
export function telegramLinkRouter(deps: TelegramRouteDeps): Router {
  const router = Router();
  mount(router, telegramRoutes.link, async (req, res) => {
    const id = parse(customerIdSchema, req.params.customerId, 'customerId');
    const { api } = configured(deps);
    const [customer] = await deps.db.select({ id: customers.id }).from(customers).where(eq(customers.id, id));
    if (!customer) throw new HttpError(404, 'not_found', `Customer ${id} does not exist`, 'customerId');
    const bot = await api.botUsername().catch((err: Error) => {
      throw new HttpError(502, 'provider_error', `${err.message}; or set CASCADE_TELEGRAM_BOT_USERNAME`);
    });
    const { token, expiresAt } = await mintLinkToken(deps.db, id);
    res.json({ url: `https://t.me/${bot}?start=${token}`, expiresAt: expiresAt.toISOString() });
  });
  return router;
}

/** The webhook, public: the secret header is its proof (mounted with the other provider webhooks). */
export function telegramWebhookRouter(deps: TelegramRouteDeps): Router {
  const router = Router();
  const verify: RequestHandler = (req, _res, next) => {
    const { webhookSecret } = configured(deps);
    // Hashed first: timingSafeEqual wants equal lengths, and the secret's length is not to be told either.
    if (!timingSafeEqual(digest(req.get('x-telegram-bot-api-secret-token') ?? ''), digest(webhookSecret))) {
      throw new HttpError(401, 'bad_signature', 'X-Telegram-Bot-Api-Secret-Token is missing or wrong');
    }
    next();
  };
  mount(router, telegramRoutes.webhook, verify, jsonBody, async (req, res) => {
    const update = parse(telegramUpdate, req.body ?? {});
    await handleUpdate({ db: deps.db, api: configured(deps).api }, update);
    res.status(200).json({ ok: true });
  });
  return router;
}
