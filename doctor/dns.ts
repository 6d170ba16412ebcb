/**
 * DNS look-ups for the email checks, through node's resolver on CASCADE_DNS_SERVERS (or the
 * system's), with the three answers the doctor tells apart (providers.md §4): a record, "missing"
 * (NXDOMAIN or no record of the type) and "could not check" (the resolver failed: SERVFAIL, timeout,
 * refused), which says nothing about the record.
 */
import { Resolver } from 'node:dns/promises';

export type Answer<T> = { found: T } | { missing: string } | { unknown: string };

const MISSING = new Set(['ENODATA', 'ENOTFOUND']);

export function dnsResolver(servers: string[], timeoutMs: number): Resolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  if (servers.length) resolver.setServers(servers);
  return resolver;
}

/** `CASCADE_DNS_SERVERS=127.0.0.1:5353,[::1]:53`; empty for the system's. */
export function dnsServersFrom(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

async function ask<T>(query: () => Promise<T>): Promise<Answer<T>> {
  try {
    return { found: await query() };
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'error';
    return MISSING.has(code) ? { missing: code } : { unknown: code };
  }
}

/** TXT records, each one's chunks joined (a long DKIM key comes in 255-byte pieces). */
export const txt = (r: Resolver, name: string) => ask(async () => (await r.resolveTxt(name)).map((chunks) => chunks.join('')));
export const mx = (r: Resolver, name: string) => ask(() => r.resolveMx(name));
export const cname = (r: Resolver, name: string) => ask(() => r.resolveCname(name));

/** `k=v; k=v` tags of DKIM and DMARC records, keys lower case. */
export function tags(record: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of record.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) map.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return map;
}

/** Host names compare case-insensitively and with or without the root's trailing dot. */
export function sameHost(a: string, b: string): boolean {
  const norm = (h: string) => h.trim().replace(/^"|"$/g, '').replace(/\.$/, '').toLowerCase();
  return norm(a) === norm(b);
}
