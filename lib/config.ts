/** Environment settings, parsed once. Secrets live only here and in the adapters that use them. */
import { isIP } from 'node:net';
import { z } from 'zod';
import { canonicalLocale } from './locale';

export const DEFAULT_LOCALE = 'ru';
export const DEFAULT_SMS_MAX_SEGMENTS = 3;

const optional = z.string().trim().min(1).optional();
/** Compose passes unset variables as `""`: that means unset, not an invalid value. */
const optionalSecret = z.string().trim().optional().transform((v) => v || undefined);

/**
 * An admin key is the whole of its holder's proof. `key1` falls to the first guess; 32 characters of
 * `openssl rand -base64 32` (44 with its padding) carry 192 bits and more, past any guessing.
 * `npm start`'s generated key has 36 (`csk_` and 32 of base64url).
 */
export const MIN_ENV_KEY_LENGTH = 32;

/** Comma-separated admin keys; each one long enough, none of them ever echoed in a message. */
const envApiKeys = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const keys = (v ?? '').split(',').map((k) => k.trim()).filter(Boolean);
    const short = keys.findIndex((k) => k.length < MIN_ENV_KEY_LENGTH);
    if (short >= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `key ${short + 1} of ${keys.length} has ${keys[short]!.length} characters; each key needs at least ${MIN_ENV_KEY_LENGTH} (make one with: openssl rand -base64 32)`,
      });
      return z.NEVER;
    }
    return keys;
  });

/** `loopback`, `linklocal`, `uniquelocal`, an address or an address/prefix: what Express's `trust proxy` takes in a list. */
function trustedProxyEntry(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (!family || rest.length) return false;
  return prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

export type TrustProxy = false | number | string[];

/**
 * Which peers may say who the client is (X-Forwarded-For) and how it connected (X-Forwarded-Proto):
 * `off` (the default: the peer is the client), a number of proxy hops in front of the API, or a
 * list of the proxies' addresses. Not `true`: that believes any X-Forwarded-For, so a client names
 * its own address and walks past the per-address limits.
 */
const trustProxy = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx): TrustProxy => {
    if (!v || v === 'off' || v === 'false') return false;
    if (/^\d+$/.test(v)) return Number(v);
    const entries = v.split(',').map((e) => e.trim()).filter(Boolean);
    const bad = entries.find((e) => !trustedProxyEntry(e));
    if (bad !== undefined || !entries.length) {
      ctx.addIssue({
        code: 'custom',
        message: `expected off, a number of proxy hops like 1, or the proxies' addresses like loopback,10.0.0.0/8; got ${bad ?? v}${v === 'true' ? ' (it would believe any client\'s X-Forwarded-For)' : ''}`,
      });
      return z.NEVER;
    }
    return entries;
  });

/** How long a kind of data is kept: a number of days (`30d`), or `forever`. Null is forever. */
const keptFor = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .transform((v, ctx): number | null => {
      if (v === 'forever') return null;
      const days = /^(\d+)d$/.exec(v);
      if (!days || Number(days[1]) < 1) {
        ctx.addIssue({ code: 'custom', message: `expected a number of days like 30d, or forever; got ${v}` });
        return z.NEVER;
      }
      return Number(days[1]);
    });

const schema = z.object({
  DATABASE_URL: optional,
  TEMPORAL_ADDRESS: optional,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('cascade'),
  PORT: z.coerce.number().int().positive().default(3000),
  /** Where `npm run api` listens; `127.0.0.1` keeps it (and its /metrics) on this machine. */
  CASCADE_API_HOST: z.string().trim().min(1).default('0.0.0.0'),
  /** Admin keys (comma-separated), each at least MIN_ENV_KEY_LENGTH characters. */
  CASCADE_API_KEYS: envApiKeys,
  /** Requests per API key, `<requests>/<window>` or `off` (api/rate-limit.ts, where the default is argued). */
  CASCADE_RATE_LIMIT: z.string().trim().optional().transform((v) => v || '6000/1m'),
  /** Failed authentications (/v1, dashboard sign-in) per client address (api/limits/failed-auth.ts). */
  CASCADE_FAILED_AUTH_LIMIT: z.string().trim().optional().transform((v) => v || '30/1m'),
  /** Requests per client address to the routes outside /v1 (api/limits/public-routes.ts). */
  CASCADE_PUBLIC_RATE_LIMIT: z.string().trim().optional().transform((v) => v || '6000/1m'),
  /** Express `trust proxy`: who may set the client's address and protocol (X-Forwarded-*). */
  CASCADE_TRUST_PROXY: trustProxy,
  CASCADE_DATA_DIR: z.string().default('.data'),
  /** Where `npm start`'s Temporal dev server listens (gRPC) and serves its Web UI, on 127.0.0.1. */
  CASCADE_DEV_SERVER_PORT: z.coerce.number().int().min(1).max(65_535).default(7233),
  CASCADE_DEV_SERVER_UI_PORT: z.coerce.number().int().min(1).max(65_535).default(8233),
  /** How the embedded Temporal dev server flushes its SQLite history: `normal`, `full` or `off` (lib/temporal.ts). */
  CASCADE_TEMPORAL_SQLITE_SYNC: z.enum(['normal', 'full', 'off']).default('normal'),
  /** Public base URL of the API, used in unsubscribe links; https also makes the dashboard's cookies Secure. */
  CASCADE_PUBLIC_URL: z.string().url().default('http://localhost:3000'),
  /** Signs unsubscribe links (lib/unsubscribe-token.ts); npm start keeps a generated one under .data/. */
  CASCADE_UNSUBSCRIBE_SECRET: optionalSecret,
  /** With it, email goes through Resend, and unsubscribe links go to real mailboxes (see the https rule below). */
  RESEND_API_KEY: optionalSecret,
  /** `whsec_…` signing secret of the Resend webhook endpoint. */
  RESEND_WEBHOOK_SECRET: optionalSecret,
  /** The secret set in the SMSC account that signs its delivery callbacks (api/routes/webhooks-smsc.ts). */
  SMSC_CALLBACK_SECRET: optionalSecret,
  /** The Telegram bot's token from @BotFather; without it the telegram channel is off (activities/channels/telegram/). */
  CASCADE_TELEGRAM_BOT_TOKEN: optionalSecret,
  /** The secret_token given to setWebhook, which Telegram sends back in X-Telegram-Bot-Api-Secret-Token. */
  CASCADE_TELEGRAM_WEBHOOK_SECRET: optionalSecret.pipe(z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, "Telegram's secret_token: 1-256 of A-Z a-z 0-9 _ -").optional()),
  /** The Bot API's address (tests: the fake). */
  CASCADE_TELEGRAM_API_URL: z.string().trim().optional().transform((v) => v || 'https://api.telegram.org').pipe(z.url()),
  /** The bot's @username for t.me links; without it getMe is asked. */
  CASCADE_TELEGRAM_BOT_USERNAME: optional,
  /** The language of a customer without a `locale` (BCP 47), and the fallback for one we have no templates in. */
  CASCADE_DEFAULT_LOCALE: z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      const locale = canonicalLocale(v || DEFAULT_LOCALE);
      if (!locale) ctx.addIssue({ code: 'custom', message: `not a BCP 47 language tag: ${v}` });
      return locale ?? z.NEVER;
    }),
  /** The most parts an SMS may cost when its template names no `max_segments`; a longer one is skipped (too_many_segments). */
  CASCADE_SMS_MAX_SEGMENTS: z.coerce.number().int().positive().default(DEFAULT_SMS_MAX_SEGMENTS),
  /**
   * Days without an open or click after which marketing email to a customer mailed that long is
   * skipped (`sunset`, contactability/sunset.ts); unset or 0: off. Compose's `""` is 0.
   */
  CASCADE_SUNSET_DAYS: z.coerce.number().int().min(0).default(0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * `on`: every API process also routes stored events to Temporal. `off`: it only stores them, and
   * `npm run router` processes (one or several) route them.
   */
  CASCADE_ROUTER: z.enum(['on', 'off']).default('on'),
  /**
   * Runs a worker keeps in memory between their tasks, in `npm start` and `npm run worker` alike. The
   * SDK would size its cache from the heap limit (about 2,300 runs on a 24 GiB machine, 1.2 GiB of
   * worker), and a cached run costs 350-380 KiB (README, Benchmark): 500 keep the worker within about
   * 180 MiB of them however many runs sleep. A run out of the cache replays its history at its next
   * wake-up, which for journeys that sleep for days is a few milliseconds now and then.
   */
  // At least the SDK's 40 workflow tasks at once, which it requires of the cache.
  CASCADE_WORKER_CACHED_RUNS: z.coerce.number().int().min(40).default(500),
  /** How long SIGTERM may take (in-flight requests, activities, closing stores) before the process gives up. */
  CASCADE_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(25_000),
  /**
   * With it, `GET /metrics` (API and worker) wants `Authorization: Bearer <token>`. Without it, only a
   * process listening on loopback serves metrics (metrics/serve.ts).
   */
  CASCADE_METRICS_TOKEN: optionalSecret,
  /** The worker's own `/metrics` port; 0 turns it off. */
  CASCADE_WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
  /** Where the worker's `/metrics` listens; beyond loopback it needs CASCADE_METRICS_TOKEN. */
  CASCADE_WORKER_METRICS_HOST: z.string().trim().min(1).default('0.0.0.0'),
  /** `host:port` where the Temporal SDK core serves its worker metrics (Prometheus); off without it. */
  CASCADE_TEMPORAL_METRICS_ADDRESS: optional,
  /** Chat webhook (Slack, Mattermost) that alerts are posted to; it carries a token, so it is a secret. */
  CASCADE_ALERT_WEBHOOK_URL: optionalSecret.pipe(z.url().optional()),
  /** How far back each alert rule looks, and how long one cause stays quiet after it alerted: `15m`, `1h`, `90s`. */
  CASCADE_ALERT_WINDOW: z.string().trim().regex(/^\d+(s|m|h)$/, 'a duration like 15m, 1h or 90s').default('15m'),
  /** A channel alerts when more than this share of its finished sends failed within the window. */
  CASCADE_ALERT_FAILED_SHARE: z.coerce.number().gt(0).lte(1).default(0.2),
  /** ...and at least this many of its sends finished (a single failure is not a trend). */
  CASCADE_ALERT_MIN_MESSAGES: z.coerce.number().int().positive().default(10),
  /** An event type alerts when its last hour fell below this share of the same hour a week earlier... */
  CASCADE_ALERT_EVENTS_DROP: z.coerce.number().gt(0).lte(1).default(0.5),
  /** ...if it had at least this many events then (a handful an hour falls to none by chance). */
  CASCADE_ALERT_EVENTS_MIN: z.coerce.number().int().positive().default(20),
  /** A journey alerts when its delivery, open or click rate over the last day fell below this share of its 4 weeks before... */
  CASCADE_ALERT_RATE_DROP: z.coerce.number().gt(0).lte(1).default(0.5),
  /** ...with at least this many messages sent in each of the two. */
  CASCADE_ALERT_RATE_MIN_MESSAGES: z.coerce.number().int().positive().default(100),
  /**
   * Rows and bytes one POST /v1/import/* may carry. Bodies are streamed and no row is held past
   * 1 MiB, so these bound time, not memory: Node gives a request 5 minutes (requestTimeout) to
   * arrive whole; 100 MiB is about 500k customer rows, half a minute at the 15-20k rows/s measured
   * on 2 cores. Split a larger file.
   */
  CASCADE_IMPORT_MAX_ROWS: z.coerce.number().int().positive().default(2_000_000),
  CASCADE_IMPORT_MAX_BYTES: z.coerce.number().int().positive().default(100 * 1024 ** 2),
  /** Events no journey starts on or listens to (page views): days kept (retention/). */
  CASCADE_RETENTION_INERT_EVENTS: keptFor('30d'),
  /** Every other event: days kept, unless a running run still needs it. */
  CASCADE_RETENTION_ROUTED_EVENTS: keptFor('180d'),
  /** A message's body, subject and address (and its provider reports' payloads); the ledger row stays. */
  CASCADE_RETENTION_MESSAGE_BODIES: keptFor('30d'),
  /** Segment `track` names → Cascade event types, JSON, laid over the defaults; checked at the API's start (segment-ingest/event-names.ts). */
  CASCADE_SEGMENT_EVENT_MAP: z.string().trim().optional(),
}).superRefine((env, ctx) => {
  // Gmail's and Yahoo's bulk-sender rules want one-click unsubscribe over https; a localhost or
  // http link in real mail fails them, so a real provider needs a real public URL.
  if (env.RESEND_API_KEY && new URL(env.CASCADE_PUBLIC_URL).protocol !== 'https:') {
    ctx.addIssue({
      code: 'custom',
      path: ['CASCADE_PUBLIC_URL'],
      message: `must be an https URL when RESEND_API_KEY is set (unsubscribe links in real mail point there); got ${env.CASCADE_PUBLIC_URL}`,
    });
  }
});

export type Config = z.infer<typeof schema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid environment variable ${String(issue?.path[0])}: ${issue?.message}`);
  }
  return parsed.data;
}
