/**
 * Headers for Cascade's own HTML pages (the preference center, the dashboard): personal data that no
 * cache keeps, no other site frames, no referrer carries away, and only what `csp` allows runs.
 */
export function privatePageHeaders(csp: string): Record<string, string> {
  return {
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'content-security-policy': csp,
  };
}
