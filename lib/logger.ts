/** One pino logger. Secrets are redacted by key; emails and phones are masked wherever they appear. */
import pino from 'pino';

const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;
const PHONE = /\+?\d[\d\s()-]{7,}(\d{2})/g;

export function maskContacts(text: string): string {
  return text.replace(EMAIL, '$1***@$2').replace(PHONE, '***$1');
}

function maskDeep(value: unknown): unknown {
  if (typeof value === 'string') return maskContacts(value);
  if (Array.isArray(value)) return value.map(maskDeep);
  if (value && typeof value === 'object' && !(value instanceof Error)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v)]));
  }
  return value;
}

export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  redact: {
    paths: ['*.authorization', '*.headers.authorization', '*.apiKey', '*.password', '*.psw', 'req.headers.authorization'],
    censor: '[redacted]',
  },
  formatters: { log: (obj) => maskDeep(obj) as Record<string, unknown> },
  hooks: {
    logMethod(args, method) {
      method.apply(this, args.map((a) => (typeof a === 'string' ? maskContacts(a) : a)) as Parameters<typeof method>);
    },
  },
});
