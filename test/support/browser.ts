/**
 * Headless Chromium for the suite's real-browser tests: one browser per test file. The machine's Chromium if it has
 * one, else the one packed in @sparticuz/chromium (see chromium.ts).
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { findChromium } from './chromium';

export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({
      ...(await findChromium()),
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => browser!;
}
