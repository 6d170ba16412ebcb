/**
 * The public URL (CASCADE_PUBLIC_URL), where every unsubscribe link points: https (Gmail's and
 * Yahoo's bulk rules want one-click unsubscribe over https), and Cascade's unsubscribe route answers
 * there. A made-up token gets Cascade's own "link not valid" page (400, marked PAGE_SIGNATURE), which proves the route
 * reaches Cascade without unsubscribing anyone. Without Resend, links only land in the outbox, so
 * the same problems are warnings.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { fail, pass, warn, type Check, type CheckFn } from '../check';
import { PAGE_SIGNATURE } from '../../preferences/page';

const NAME = 'public-url';

export const publicUrlCheck: CheckFn = async (ctx) => {
  const realMail = Boolean(ctx.env.RESEND_API_KEY?.trim());
  const problem = (detail: string, fix: string): Check => (realMail ? fail : warn)(NAME, detail, fix);
  let base: URL;
  try {
    base = new URL(ctx.publicUrl);
  } catch {
    return [fail(NAME, 'CASCADE_PUBLIC_URL is not a URL', 'set CASCADE_PUBLIC_URL=https://… (the public address of the API)')];
  }
  const probe = new URL(`${base.pathname.replace(/\/+$/, '')}/unsubscribe`, base);
  probe.searchParams.set('token', 'x');
  const checks: Check[] = [];
  if (base.protocol !== 'https:') {
    checks.push(problem(`${base.origin} is not https${realMail ? ': real mail must link to https' : ''}`, 'set CASCADE_PUBLIC_URL to the https address of the API (behind a TLS proxy)'));
  }
  let answer: { status: number; body: string };
  try {
    answer = await get(probe, ctx.timeoutMs - 250, ctx.ca);
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as Error).name;
    return [...checks, problem(`${probe.origin}${probe.pathname} is not reachable (${code})`, `make ${base.origin} reach the Cascade API (DNS, proxy, TLS certificate), so unsubscribe links work`)];
  }
  if (answer.status === 400 && answer.body.includes(PAGE_SIGNATURE)) {
    if (checks.length === 0) checks.push(pass(NAME, `${probe.origin}${probe.pathname} reaches Cascade over https`));
    return checks;
  }
  return [...checks, problem(`${probe.origin}${probe.pathname} answered HTTP ${answer.status}, not Cascade's unsubscribe page`, `route ${base.origin}/unsubscribe to the Cascade API`)];
};

function get(url: URL, timeoutMs: number, ca: string | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 64_000) body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    };
    const options = { method: 'GET', timeout: timeoutMs, headers: { 'user-agent': 'cascade-doctor' } };
    const req = url.protocol === 'https:' ? httpsRequest(url, { ...options, ...(ca ? { ca } : {}) }, onResponse) : httpRequest(url, options, onResponse);
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}
