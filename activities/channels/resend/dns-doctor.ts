/**
 * SPF, DKIM and DMARC of the sending domain, in public DNS (providers.md §4). A record that is not
 * there ("missing") or is wrong ("invalid") fails; a resolver that did not answer ("could not check")
 * warns, since it says nothing about the record. SPF lives on the Return-Path domain
 * `send.<domain>`; DKIM's names come from the Resend domain's records; DMARC falls back from the
 * sending domain to its parents (DMARCbis's tree walk), where `sp=` applies.
 */
import type { Resolver } from 'node:dns/promises';
import { fail, pass, warn, type Check, type CheckFn } from '../../../doctor/check';
import { cname, dnsResolver, mx, sameHost, tags, txt, type Answer } from '../../../doctor/dns';
import { resendDomainOf, type ResendDomain } from './domain';

const COULD_NOT = 'could not check';
const RESOLVER_FIX = 'see that this host can resolve public DNS (CASCADE_DNS_SERVERS, /etc/resolv.conf), then run again';

export const emailDnsCheck: CheckFn = async (ctx) => {
  const lookup = resendDomainOf(ctx);
  if (!lookup) return [warn('email.dns', 'Resend is not configured (RESEND_API_KEY, RESEND_FROM): nothing to check', 'set RESEND_API_KEY and RESEND_FROM to send real email')];
  // Two tries per query, a quarter of the budget in all; DMARC needs nothing from Resend, so it starts at once.
  const resolver = dnsResolver(ctx.dnsServers, Math.max(250, Math.floor(ctx.timeoutMs / 8)));
  const domain = lookup.get().then((found) => (found.kind === 'found' ? found.domain : undefined));
  return Promise.all([domain.then((d) => spf(resolver, lookup.name, d)), domain.then((d) => dkim(resolver, lookup.name, d)), dmarc(resolver, lookup.name)]);
};

/** The Resend record's FQDN: its `name` is relative to the domain. */
function fqdn(name: string, domain: string): string {
  const n = name.replace(/\.$/, '').toLowerCase();
  return n === domain || n.endsWith(`.${domain}`) ? n : `${n}.${domain}`;
}

async function spf(resolver: Resolver, domain: string, resend: ResendDomain | undefined): Promise<Check> {
  const NAME = 'email.spf';
  const records = resend?.records.filter((r) => r.record === 'SPF') ?? [];
  const txtRecord = records.find((r) => r.type === 'TXT');
  const mxRecord = records.find((r) => r.type === 'MX');
  const host = txtRecord ? fqdn(txtRecord.name, domain) : `send.${domain}`;
  const mxHost = mxRecord ? fqdn(mxRecord.name, domain) : host;
  const fix = `publish on ${host}: TXT "v=spf1 include:amazonses.com ~all" (one v=spf1 record only) and MX 10 ${mxRecord?.value ?? 'feedback-smtp.<region>.amazonses.com'} (resend.com/domains shows both)`;

  const [texts, exchanges] = await Promise.all([txt(resolver, host), mx(resolver, mxHost)]);
  if ('unknown' in texts || 'unknown' in exchanges) {
    return warn(NAME, `${COULD_NOT}: the resolver answered ${'unknown' in texts ? texts.unknown : (exchanges as { unknown: string }).unknown} for ${host}`, RESOLVER_FIX);
  }
  const spfs = 'found' in texts ? texts.found.filter((t) => /^v=spf1(\s|$)/i.test(t)) : [];
  if (spfs.length === 0) return fail(NAME, `missing: no v=spf1 TXT record on ${host}`, fix);
  if (spfs.length > 1) return fail(NAME, `invalid: ${spfs.length} v=spf1 records on ${host} (receivers treat that as a permanent error)`, `keep one: ${fix}`);
  const [record] = spfs as [string];
  if (!/\sinclude:amazonses\.com(\s|$)/i.test(record)) return fail(NAME, `invalid: the SPF record on ${host} does not include amazonses.com`, fix);
  if (!/\s[~-]all$/i.test(record.trim())) return fail(NAME, `invalid: the SPF record on ${host} does not end in ~all or -all`, fix);
  const feedback = 'found' in exchanges ? exchanges.found.filter((m) => (mxRecord ? sameHost(m.exchange, mxRecord.value) : /^feedback-smtp\.[a-z0-9-]+\.amazonses\.com\.?$/i.test(m.exchange))) : [];
  if (feedback.length === 0) {
    return fail(NAME, 'found' in exchanges ? `invalid: the MX on ${mxHost} is not ${mxRecord?.value ?? 'feedback-smtp.<region>.amazonses.com'}` : `missing: no MX record on ${mxHost} (bounces cannot come back)`, fix);
  }
  return pass(NAME, `${host}: one SPF record including amazonses.com, MX ${feedback[0]!.exchange}`);
}

async function dkim(resolver: Resolver, domain: string, resend: ResendDomain | undefined): Promise<Check> {
  const NAME = 'email.dkim';
  if (!resend) {
    return warn(NAME, `${COULD_NOT}: DKIM's record names come from the Resend domain, which the resend check could not read`, 'fix the resend check first');
  }
  const records = resend.records.filter((r) => r.record === 'DKIM');
  if (records.length === 0) return fail(NAME, `missing: Resend lists no DKIM record for ${domain}`, `open ${domain} at resend.com/domains and publish its DKIM records`);
  const problems: string[] = [];
  const unknown: string[] = [];
  for (const record of records) {
    const host = fqdn(record.name, domain);
    if (record.type === 'CNAME') {
      const answer = await cname(resolver, host);
      const outcome = judge(answer, (targets) => (targets.some((t) => sameHost(t, record.value)) ? undefined : `CNAME ${host} points to ${targets.join(', ')}, not ${record.value}`));
      if (outcome.unknown) unknown.push(`${host}: ${outcome.unknown}`);
      else if (outcome.problem) problems.push(outcome.problem === 'missing' ? `missing: CNAME ${host}` : `invalid: ${outcome.problem}`);
    } else {
      const answer = await txt(resolver, host);
      const expected = tags(record.value.replace(/^"|"$/g, '')).get('p');
      const outcome = judge(answer, (texts) => {
        const keys = texts.map((t) => tags(t)).filter((t) => t.has('p'));
        if (keys.length === 0) return `TXT ${host} has no p= (public key)`;
        if (keys.length > 1) return `TXT ${host} has ${keys.length} DKIM keys`;
        const p = keys[0]!.get('p')!.replace(/\s+/g, '');
        if (!p) return `TXT ${host} has an empty p= (the key is revoked)`;
        if (expected && p !== expected.replace(/\s+/g, '')) return `TXT ${host} has another key than Resend's`;
        return undefined;
      });
      if (outcome.unknown) unknown.push(`${host}: ${outcome.unknown}`);
      else if (outcome.problem) problems.push(outcome.problem === 'missing' ? `missing: TXT ${host}` : `invalid: ${outcome.problem}`);
    }
  }
  const fix = `publish the DKIM record${records.length > 1 ? 's' : ''} shown for ${domain} at resend.com/domains`;
  if (problems.length) return fail(NAME, problems.join('; '), fix);
  if (unknown.length) return warn(NAME, `${COULD_NOT}: the resolver answered ${unknown.join(', ')}`, RESOLVER_FIX);
  return pass(NAME, `${records.map((r) => `${r.type} ${fqdn(r.name, domain)}`).join(', ')} as Resend expects`);
}

function judge<T>(answer: Answer<T>, problemOf: (found: T) => string | undefined): { unknown?: string; problem?: string } {
  if ('unknown' in answer) return { unknown: answer.unknown };
  if ('missing' in answer) return { problem: 'missing' };
  return { problem: problemOf(answer.found) };
}

async function dmarc(resolver: Resolver, domain: string): Promise<Check> {
  const NAME = 'email.dmarc';
  const fix = `publish TXT _dmarc.${domain} "v=DMARC1; p=quarantine; rua=mailto:dmarc@${domain}" (p=none only while you watch the reports)`;
  const labels = domain.split('.');
  // The sending domain, then its parents, never the bare TLD.
  for (let i = 0; i < labels.length - 1; i++) {
    const at = labels.slice(i).join('.');
    const answer = await txt(resolver, `_dmarc.${at}`);
    if ('unknown' in answer) return warn(NAME, `${COULD_NOT}: the resolver answered ${answer.unknown} for _dmarc.${at}`, RESOLVER_FIX);
    const records = 'found' in answer ? answer.found.filter((t) => /^v=DMARC1\s*(;|$)/i.test(t.trim())) : [];
    if (records.length === 0) continue;
    if (records.length > 1) return fail(NAME, `invalid: ${records.length} DMARC records at _dmarc.${at} (receivers ignore them all)`, `keep one: ${fix}`);
    const t = tags(records[0]!);
    const inherited = at !== domain;
    const policy = ((inherited && t.get('sp')) || t.get('p') || '').toLowerCase();
    const where = inherited ? `_dmarc.${at} (inherited by ${domain}${t.get('sp') ? ', sp=' : ', p='}${policy})` : `_dmarc.${at}`;
    if (!['none', 'quarantine', 'reject'].includes(policy)) return fail(NAME, `invalid: ${where} has no valid p= (none, quarantine or reject)`, fix);
    if (policy === 'none') return warn(NAME, `${where}: p=none, so receivers do nothing with mail that fails`, `when the reports look clean, raise it: ${fix}`);
    if (!t.get('rua')) return warn(NAME, `${where}: p=${policy} but no rua=, so nobody gets the reports`, `add rua=mailto:… to ${where}`);
    return pass(NAME, `${where}: p=${policy}, reports to ${t.get('rua')}`);
  }
  return fail(NAME, `missing: no DMARC record at _dmarc.${domain}${labels.length > 2 ? ' or its parent domains' : ''} (Gmail and Yahoo require one of bulk senders)`, fix);
}
