/**
 * One pino logger. Secrets are redacted by key; emails and phones are masked wherever they appear;
 * errors lose the values they were called with (query parameters, request query strings).
 */
import pino, { type DestinationStream } from 'pino';

const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;
const PHONE = /\+?\d[\d\s()-]{7,}(\d{2})/g;

export function maskContacts(text: string): string {
  return text.replace(EMAIL, '$1***@$2').replace(PHONE, '***$1');
}

/**
 * Fields that hold the values a failed query was called with: drizzle's DrizzleQueryError carries
 * `params` (and repeats them in its message), postgres.js errors carry `parameters` and `query`
 * (enumerable when its debug option is on).
 */
const VALUE_FIELDS = new Set(['params', 'parameters', 'query', 'args']);

/**
 * drizzle: "Failed query: <sql with $1…>\nparams: a@b.c,…" keeps the SQL, drops the values; also
 * where a caller logs `err.message` as a plain string.
 */
function withoutParams(message: string): string {
  return message.replace(/\nparams: [\s\S]*$/, '');
}

function scrub(text: string): string {
  return maskContacts(withoutParams(text));
}

/** Postgres details quote the offending row: `Key (email)=(a@b.c) already exists.` */
function withoutRowValues(detail: string): string {
  return detail.replace(/=\((.*?)\)(?= |$|\.)/g, '=(…)');
}

export function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return maskDeep(err);
  const message = withoutParams(err.message);
  const out: Record<string, unknown> = {
    type: err.constructor?.name ?? err.name,
    message: maskContacts(message),
    stack: err.stack ? maskContacts(err.stack.replace(err.message, message)) : undefined,
  };
  for (const [key, value] of Object.entries(err)) {
    if (VALUE_FIELDS.has(key) || key === 'cause' || key in out) continue;
    out[key] = key === 'detail' && typeof value === 'string' ? maskContacts(withoutRowValues(value)) : maskDeep(value);
  }
  if (err.cause !== undefined && depth < 5) out.cause = serializeError(err.cause, depth + 1);
  return out;
}

/**
 * Ids Cascade mints from random hex (API keys): a run of digits in one is not a phone, and masked
 * it could not be found in the logs (`e21906770393` looked like one).
 */
const MINTED_IDS = new Set(['keyId']);

function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value instanceof Error) return serializeError(value);
  if (depth > 8) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, MINTED_IDS.has(k) && typeof v === 'string' ? v : maskDeep(v, depth + 1)]));
  }
  return value;
}

/** A request is logged by method and path: query strings carry emails, tokens and search terms. */
function serializeRequest(req: { method?: string; url?: string; originalUrl?: string; path?: string }) {
  return { method: req.method, path: maskContacts((req.originalUrl ?? req.url ?? req.path ?? '').split('?')[0]!) };
}

export function createLogger(destination?: DestinationStream, level = process.env.LOG_LEVEL ?? 'info'): pino.Logger {
  return pino(
    {
      level,
      redact: {
        paths: ['*.authorization', '*.headers.authorization', '*.apiKey', '*.password', '*.psw', 'req.headers.authorization'],
        censor: '[redacted]',
      },
      serializers: { err: serializeError, error: serializeError, req: serializeRequest },
      // Runs before the serializers: a request is cut down first so nothing walks its socket.
      formatters: { log: (obj) => maskDeep('req' in obj ? { ...obj, req: serializeRequest(obj.req as object) } : obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

export const logger = createLogger();
