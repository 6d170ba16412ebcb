/**
 * Push through FCM HTTP v1 (providers.md §3). One device token per message (the customer's newest);
 * a token FCM says is dead is deleted from push_tokens, and the send is a skip, not a failure.
 *
 * Settings: FCM_PROJECT_ID (or the service account's project_id), and for the OAuth token either
 * FCM_SERVICE_ACCOUNT_JSON (the key file's JSON, or a path to it; tokens with scope
 * firebase.messaging are minted at the key's `token_uri`, google-oauth.ts) or FCM_ACCESS_TOKEN, a
 * ready bearer token that skips OAuth: meant for tests against the fake, since a real token expires
 * within an hour.
 * FCM_BASE_URL (default https://fcm.googleapis.com), FCM_TIMEOUT_MS.
 *
 * FCM has no idempotency key, so push is at least once: a send whose answer was lost (a crash, a
 * timeout) is retried and may reach the device twice. Every copy names the message by its ledger id:
 * as Android's collapse key (FCM keeps only the latest for an offline device) and notification tag,
 * and as apns-collapse-id (a second copy replaces the first in the notification drawer), and as
 * data.messageId, for an app that handles the message itself to dedupe.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { pushTokens } from '../../../db/schema';
import { logger } from '../../../lib/logger';
import { parseServiceAccount, serviceAccountTokens } from './google-oauth';
import { retryAfterMs } from '../retry';
import { PermanentSendError, ProviderAccountError, TransientSendError, type ChannelAdapter, type Delivery, type OutgoingMessage } from '../types';

export interface FcmConfig {
  baseUrl: string;
  projectId: string;
  accessToken: () => Promise<string>;
  timeoutMs: number;
}

const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

export function fcmConfigFromEnv(env: NodeJS.ProcessEnv): FcmConfig | undefined {
  const base = { baseUrl: (env.FCM_BASE_URL ?? 'https://fcm.googleapis.com').replace(/\/+$/, ''), timeoutMs: Number(env.FCM_TIMEOUT_MS ?? 10_000) };
  const staticToken = env.FCM_ACCESS_TOKEN;
  if (staticToken) {
    if (!env.FCM_PROJECT_ID) throw new Error('FCM_ACCESS_TOKEN is set but FCM_PROJECT_ID is not');
    return { ...base, projectId: env.FCM_PROJECT_ID, accessToken: async () => staticToken };
  }
  const setting = env.FCM_SERVICE_ACCOUNT_JSON?.trim();
  if (!setting) return undefined;
  const account = parseServiceAccount(setting, 'FCM_SERVICE_ACCOUNT_JSON');
  const projectId = env.FCM_PROJECT_ID ?? account.project_id;
  if (!projectId) throw new Error('FCM_SERVICE_ACCOUNT_JSON has no project_id; set FCM_PROJECT_ID');
  return { ...base, projectId, accessToken: serviceAccountTokens(account, SCOPE, base.timeoutMs) };
}

interface FcmErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    details?: Array<{ '@type'?: string; errorCode?: string; fieldViolations?: Array<{ field?: string }> }>;
  };
}

export class FcmChannel implements ChannelAdapter {
  readonly provider = 'fcm';

  constructor(
    private readonly db: Db,
    private readonly config: FcmConfig,
  ) {}

  async send(message: OutgoingMessage): Promise<Delivery> {
    let token: string;
    try {
      token = await this.config.accessToken();
    } catch (err) {
      throw new TransientSendError(`could not get an FCM access token: ${(err as Error).message}`);
    }
    // The ledger id as the dedupe id: a push FCM takes twice (a retry after a lost answer) replaces
    // the first on the device instead of showing twice. APNs caps apns-collapse-id at 64 bytes.
    const collapseKey = String(message.messageId);
    const body = {
      message: {
        token: message.to,
        notification: { title: message.subject ?? '', body: message.body },
        data: { messageId: collapseKey },
        android: { collapse_key: collapseKey, notification: { tag: collapseKey } },
        apns: { headers: { 'apns-collapse-id': collapseKey } },
      },
    };
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.config.baseUrl}/v1/projects/${encodeURIComponent(this.config.projectId)}/messages:send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      throw new TransientSendError(`FCM did not answer (${(err as Error).name})`);
    }
    if (res.ok) {
      const name = (safeJson(text) as { name?: string } | undefined)?.name;
      return { provider: this.provider, providerMessageId: name ?? `fcm-${message.messageId}` };
    }
    const error = (safeJson(text) as FcmErrorBody | undefined)?.error;
    const details = error?.details ?? [];
    const code = details.find((d) => d['@type']?.endsWith('google.firebase.fcm.v1.FcmError'))?.errorCode;
    const what = `FCM ${res.status} ${code ?? error?.status ?? ''}: ${error?.message ?? 'no message'}`.replace(/ +:/, ':');

    const tokenIsBad =
      code === 'UNREGISTERED' ||
      code === 'SENDER_ID_MISMATCH' ||
      (code === 'INVALID_ARGUMENT' &&
        (details.some((d) => d.fieldViolations?.some((v) => v.field === 'message.token')) || /registration token/i.test(error?.message ?? '')));
    if (tokenIsBad) {
      await this.db.delete(pushTokens).where(eq(pushTokens.token, message.to));
      logger.info({ messageId: message.messageId, customerId: message.customerId, fcm: code }, 'FCM says the push token is dead; deleted it');
      throw new PermanentSendError(what, true);
    }
    if (code === 'QUOTA_EXCEEDED' || code === 'UNAVAILABLE' || code === 'INTERNAL' || res.status === 429 || res.status >= 500) {
      throw new TransientSendError(what, retryAfterMs(res.headers.get('retry-after')));
    }
    // A rejected OAuth token or APNs/web push credentials: every push fails until someone fixes them.
    if (res.status === 401 || res.status === 403 || code === 'THIRD_PARTY_AUTH_ERROR') throw new ProviderAccountError(what, 'auth');
    // INVALID_ARGUMENT about the message itself: retrying the same request cannot help.
    throw new PermanentSendError(what);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
