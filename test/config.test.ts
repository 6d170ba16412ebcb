/** Environment rules that stop a bad deployment at start-up, with a message naming the variable. */
import { describe, expect, it } from 'vitest';
import { accessOptionsFromConfig } from '../api/limits/from-config';
import { loadConfig } from '../lib/config';
import { retentionFromConfig } from '../retention/settings';

describe('loadConfig', () => {
  it('refuses a non-https public URL once a real email provider is configured', () => {
    expect(() => loadConfig({ RESEND_API_KEY: 're_live_key', CASCADE_PUBLIC_URL: 'http://localhost:3000' })).toThrow(
      /^Invalid environment variable CASCADE_PUBLIC_URL: must be an https URL when RESEND_API_KEY is set/,
    );
    // The default is a localhost URL, so forgetting the variable fails the same way.
    expect(() => loadConfig({ RESEND_API_KEY: 're_live_key' })).toThrow(/CASCADE_PUBLIC_URL/);
  });

  it('takes an https public URL with a provider, and any URL without one (the outbox stays on the machine)', () => {
    expect(loadConfig({ RESEND_API_KEY: 're_live_key', CASCADE_PUBLIC_URL: 'https://cascade.shop.example' }).CASCADE_PUBLIC_URL).toBe(
      'https://cascade.shop.example',
    );
    // Compose passes an unset key as "": that is no provider.
    expect(loadConfig({ RESEND_API_KEY: '', CASCADE_PUBLIC_URL: 'http://localhost:3000' }).RESEND_API_KEY).toBeUndefined();
    expect(loadConfig({}).CASCADE_PUBLIC_URL).toBe('http://localhost:3000');
  });

  it('keeps inert events 30 days, routed events 180 and message bodies 30 unless set, in days or for ever', () => {
    expect(retentionFromConfig(loadConfig({}))).toEqual({ inertEventDays: 30, routedEventDays: 180, messageBodyDays: 30 });
    const set = loadConfig({ CASCADE_RETENTION_INERT_EVENTS: '7d', CASCADE_RETENTION_ROUTED_EVENTS: 'forever', CASCADE_RETENTION_MESSAGE_BODIES: '90d' });
    expect(retentionFromConfig(set)).toEqual({ inertEventDays: 7, routedEventDays: null, messageBodyDays: 90 });
    for (const bad of ['30', '0d', '1w', '-5d']) {
      expect(() => loadConfig({ CASCADE_RETENTION_INERT_EVENTS: bad })).toThrow(`Invalid environment variable CASCADE_RETENTION_INERT_EVENTS: expected a number of days like 30d, or forever; got ${bad}`);
    }
  });

  it('gives shutdown a deadline, 25 s unless set', () => {
    expect(loadConfig({}).CASCADE_SHUTDOWN_TIMEOUT_MS).toBe(25_000);
    expect(loadConfig({ CASCADE_SHUTDOWN_TIMEOUT_MS: '5000' }).CASCADE_SHUTDOWN_TIMEOUT_MS).toBe(5000);
  });

  it('writes to customers without a locale in Russian unless CASCADE_DEFAULT_LOCALE says otherwise, and allows 3 SMS parts', () => {
    expect(loadConfig({})).toMatchObject({ CASCADE_DEFAULT_LOCALE: 'ru', CASCADE_SMS_MAX_SEGMENTS: 3 });
    expect(loadConfig({ CASCADE_DEFAULT_LOCALE: '' }).CASCADE_DEFAULT_LOCALE).toBe('ru');
    expect(loadConfig({ CASCADE_DEFAULT_LOCALE: 'en-us', CASCADE_SMS_MAX_SEGMENTS: '2' })).toMatchObject({ CASCADE_DEFAULT_LOCALE: 'en-US', CASCADE_SMS_MAX_SEGMENTS: 2 });
    expect(() => loadConfig({ CASCADE_DEFAULT_LOCALE: 'ru_RU' })).toThrow(/CASCADE_DEFAULT_LOCALE/);
    expect(() => loadConfig({ CASCADE_SMS_MAX_SEGMENTS: '0' })).toThrow(/CASCADE_SMS_MAX_SEGMENTS/);
  });

  it('bounds the runs a worker caches at 500 unless set, and never under the 40 workflow tasks the SDK runs at once', () => {
    expect(loadConfig({}).CASCADE_WORKER_CACHED_RUNS).toBe(500);
    expect(loadConfig({ CASCADE_WORKER_CACHED_RUNS: '2000' }).CASCADE_WORKER_CACHED_RUNS).toBe(2000);
    expect(() => loadConfig({ CASCADE_WORKER_CACHED_RUNS: '10' })).toThrow(/CASCADE_WORKER_CACHED_RUNS/);
  });

  it('lets one import carry at most 100 MiB unless CASCADE_IMPORT_MAX_BYTES says otherwise', () => {
    expect(loadConfig({}).CASCADE_IMPORT_MAX_BYTES).toBe(100 * 1024 * 1024);
    expect(loadConfig({ CASCADE_IMPORT_MAX_BYTES: '1048576' }).CASCADE_IMPORT_MAX_BYTES).toBe(1024 * 1024);
  });
});

describe('access settings', () => {
  it('refuses an admin key under 32 characters at start-up, saying how to make one, without echoing the key', () => {
    const attempt = () => loadConfig({ CASCADE_API_KEYS: 'key1' });
    expect(attempt).toThrow(/^Invalid environment variable CASCADE_API_KEYS: key 1 of 1 has 4 characters; each key needs at least 32 \(make one with: openssl rand -base64 32\)$/);
    const long = 'a'.repeat(32);
    expect(() => loadConfig({ CASCADE_API_KEYS: `${long}, short-secret-key` })).toThrow(/key 2 of 2 has 16 characters/);
    expect(() => loadConfig({ CASCADE_API_KEYS: `${long}, short-secret-key` })).not.toThrow(/short-secret-key/);
    expect(loadConfig({ CASCADE_API_KEYS: ` ${long} ,${'b'.repeat(44)}` }).CASCADE_API_KEYS).toEqual([long, 'b'.repeat(44)]);
    // Unset (npm start generates one) or empty (Compose's unset): no keys.
    expect(loadConfig({}).CASCADE_API_KEYS).toEqual([]);
    expect(loadConfig({ CASCADE_API_KEYS: '' }).CASCADE_API_KEYS).toEqual([]);
  });

  it('limits each key to 6,000 requests a minute, failed authentications to 30 a minute and public routes to 6,000 a minute per address, unless set', () => {
    expect(accessOptionsFromConfig(loadConfig({}))).toEqual({
      rateLimit: { limit: 6000, windowMs: 60_000 },
      failedAuthLimit: { limit: 30, windowMs: 60_000 },
      publicRateLimit: { limit: 6000, windowMs: 60_000 },
      trustProxy: false,
    });
    const set = accessOptionsFromConfig(loadConfig({ CASCADE_RATE_LIMIT: 'off', CASCADE_FAILED_AUTH_LIMIT: '5/10s', CASCADE_PUBLIC_RATE_LIMIT: 'off' }));
    expect(set).toMatchObject({ rateLimit: undefined, failedAuthLimit: { limit: 5, windowMs: 10_000 }, publicRateLimit: undefined });
    expect(() => accessOptionsFromConfig(loadConfig({ CASCADE_FAILED_AUTH_LIMIT: 'many' }))).toThrow(/^Invalid environment variable CASCADE_FAILED_AUTH_LIMIT/);
    expect(() => accessOptionsFromConfig(loadConfig({ CASCADE_PUBLIC_RATE_LIMIT: '0/1m' }))).toThrow(/^Invalid environment variable CASCADE_PUBLIC_RATE_LIMIT/);
  });

  it('trusts no proxy unless CASCADE_TRUST_PROXY names its hops or addresses, and never any X-Forwarded-For', () => {
    expect(loadConfig({}).CASCADE_TRUST_PROXY).toBe(false);
    expect(loadConfig({ CASCADE_TRUST_PROXY: 'off' }).CASCADE_TRUST_PROXY).toBe(false);
    expect(loadConfig({ CASCADE_TRUST_PROXY: '1' }).CASCADE_TRUST_PROXY).toBe(1);
    expect(loadConfig({ CASCADE_TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8,192.0.2.7' }).CASCADE_TRUST_PROXY).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8', '192.0.2.7']);
    expect(() => loadConfig({ CASCADE_TRUST_PROXY: 'true' })).toThrow(/^Invalid environment variable CASCADE_TRUST_PROXY: .*got true \(it would believe any client's X-Forwarded-For\)/);
    expect(() => loadConfig({ CASCADE_TRUST_PROXY: 'loopback,proxy.internal' })).toThrow(/CASCADE_TRUST_PROXY: .*got proxy\.internal$/);
    expect(() => loadConfig({ CASCADE_TRUST_PROXY: '10.0.0.0/33' })).toThrow(/CASCADE_TRUST_PROXY/);
  });
});
