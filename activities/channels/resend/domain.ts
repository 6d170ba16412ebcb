/**
 * The sending domain in Resend: the domain of RESEND_FROM, found through `GET /domains` (paged) and
 * read with `GET /domains/{id}` (providers.md §4). One lookup per doctor run, shared by the resend
 * and email DNS checks, so the doctor spends two of Resend's few requests per second, not four.
 */
import { Resend, type GetDomainResponseSuccess } from 'resend';
import type { DoctorContext } from '../../../doctor/check';

export type ResendDomain = GetDomainResponseSuccess;

export type ResendDomainResult =
  | { kind: 'found'; domain: ResendDomain }
  | { kind: 'not-found' }
  /** 401/403: a bad key, or a sending-only key (`restricted`), which cannot read domains. */
  | { kind: 'unauthorised'; restricted: boolean }
  | { kind: 'error'; statusCode: number | null; name: string };

export interface ResendDomainLookup {
  /** The domain of RESEND_FROM, lower case. */
  name: string;
  get(): Promise<ResendDomainResult>;
}

const MAX_PAGES = 10;

/** Null when Resend is not configured (no RESEND_API_KEY) or RESEND_FROM names no domain. */
export function resendDomainLookup(env: NodeJS.ProcessEnv, timeoutMs: number): ResendDomainLookup | null {
  const apiKey = env.RESEND_API_KEY?.trim();
  const name = sendingDomain(env.RESEND_FROM);
  if (!apiKey || !name) return null;
  const client = new Resend(apiKey, env.RESEND_BASE_URL?.trim() ? { baseUrl: env.RESEND_BASE_URL.trim() } : undefined);
  let result: Promise<ResendDomainResult> | undefined;
  return {
    name,
    get: () => (result ??= find(client, name, timeoutMs)),
  };
}

/** "Shop <news@shop.example>" or "news@shop.example" → "shop.example". */
export function sendingDomain(from: string | undefined): string | undefined {
  const address = /<([^>]*)>/.exec(from ?? '')?.[1] ?? from ?? '';
  const at = address.lastIndexOf('@');
  const domain = at >= 0 ? address.slice(at + 1).trim().toLowerCase() : '';
  return domain || undefined;
}

async function find(client: Resend, name: string, timeoutMs: number): Promise<ResendDomainResult> {
  const signal = AbortSignal.timeout(timeoutMs);
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { data, error } = await client.domains.list(after ? { limit: 100, after } : { limit: 100 }, { signal });
    if (error) return failure(error);
    const match = data.data.find((d) => d.name.toLowerCase() === name);
    if (match) {
      const { data: domain, error: getError } = await client.domains.get(match.id, { signal });
      return getError ? failure(getError) : { kind: 'found', domain };
    }
    if (!data.has_more || data.data.length === 0) break;
    after = data.data.at(-1)!.id;
  }
  return { kind: 'not-found' };
}

function failure(error: { statusCode?: number | null; name?: string }): ResendDomainResult {
  const statusCode = error.statusCode ?? null;
  if (statusCode === 401 || statusCode === 403) return { kind: 'unauthorised', restricted: error.name === 'restricted_api_key' };
  return { kind: 'error', statusCode, name: error.name ?? 'error' };
}

const lookups = new WeakMap<DoctorContext, ResendDomainLookup | null>();

/** The lookup of one doctor run, shared by its resend and DNS checks; half the budget, as the DNS checks still need time for their queries after it. */
export function resendDomainOf(ctx: DoctorContext): ResendDomainLookup | null {
  if (!lookups.has(ctx)) lookups.set(ctx, resendDomainLookup(ctx.env, Math.floor(ctx.timeoutMs / 2)));
  return lookups.get(ctx)!;
}
