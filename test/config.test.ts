/** Environment rules that stop a bad deployment at start-up, with a message naming the variable. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../lib/config';

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

  it('lets one import carry at most 100 MiB unless CASCADE_IMPORT_MAX_BYTES says otherwise', () => {
    expect(loadConfig({}).CASCADE_IMPORT_MAX_BYTES).toBe(100 * 1024 * 1024);
    expect(loadConfig({ CASCADE_IMPORT_MAX_BYTES: '1048576' }).CASCADE_IMPORT_MAX_BYTES).toBe(1024 * 1024);
  });
});
