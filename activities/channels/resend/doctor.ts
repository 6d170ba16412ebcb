/**
 * Resend: the key is valid and the sending domain (of RESEND_FROM) is verified, with its SPF and
 * DKIM records, as Resend's own domains API says (providers.md §4).
 */
import { fail, pass, warn, type CheckFn } from '../../../doctor/check';
import { resendDomainOf } from './domain';

const NAME = 'resend';

export const resendCheck: CheckFn = async (ctx) => {
  if (!ctx.env.RESEND_API_KEY?.trim()) {
    return [warn(NAME, 'RESEND_API_KEY is not set: email goes to the outbox', 'set RESEND_API_KEY and RESEND_FROM to send real email')];
  }
  const lookup = resendDomainOf(ctx);
  if (!lookup) {
    return [fail(NAME, 'RESEND_FROM is not set or names no domain', 'set RESEND_FROM to a sender on a domain verified in Resend, e.g. "Shop <news@shop.example>"')];
  }
  const result = await lookup.get();
  switch (result.kind) {
    case 'unauthorised':
      return result.restricted
        ? [warn(NAME, `RESEND_API_KEY is a sending-only key: it may send but not read domains, so "${lookup.name}" was not checked`, 'check the domain at resend.com/domains, or give the doctor a full-access key')]
        : [fail(NAME, 'RESEND_API_KEY is not valid (Resend answered 401/403)', 'create an API key at resend.com/api-keys and set RESEND_API_KEY')];
    case 'not-found':
      return [fail(NAME, `domain "${lookup.name}" (of RESEND_FROM) is not in this Resend account`, `add ${lookup.name} at resend.com/domains and publish its DNS records, or send from a domain that is there`)];
    case 'error':
      if (result.statusCode === 429) return [warn(NAME, 'could not check: Resend rate-limited the check', 'run the doctor again in a minute')];
      return [fail(NAME, `could not check: Resend answered ${result.statusCode ?? 'nothing'} ${result.name}`, 'see that RESEND_BASE_URL (if set) is right and Resend is reachable from this host')];
    case 'found': {
      const { domain } = result;
      const unverified = domain.records
        .filter((r) => (r.record === 'SPF' || r.record === 'DKIM') && r.status !== 'verified')
        .map((r) => `${r.record} ${r.type} ${r.name}: ${r.status}`);
      if (domain.status !== 'verified' || unverified.length) {
        return [
          fail(
            NAME,
            `domain "${domain.name}" is ${domain.status}${unverified.length ? `; not verified: ${unverified.join(', ')}` : ''}`,
            `publish the records shown at resend.com/domains for ${domain.name}, then press Verify there (the email DNS checks below say which are missing)`,
          ),
        ];
      }
      return [pass(NAME, `key valid; domain "${domain.name}" verified (${domain.region}), SPF and DKIM verified`)];
    }
  }
};
