/**
 * A provider that refuses our account: bad credentials, or a used-up quota or balance. Every send
 * on it fails until someone acts, so one such answer is enough. The adapters mark these errors
 * (activities/channels/types.ts `ProviderAccountError`) and the ledger keeps the marked text.
 */
import { and, count, gte, like, max } from 'drizzle-orm';
import { ACCOUNT_PROBLEM_MARKERS, type AccountProblem } from '../../activities/channels/types';
import { messages } from '../../db/schema';
import { minutes, type AlertRule, type Finding } from './finding';

const WHAT: Record<AccountProblem, string> = {
  auth: 'refuses our credentials',
  quota: 'refuses for quota or balance',
};

export const providerAccount: AlertRule = async (db, { since, options }) => {
  const findings: Finding[] = [];
  for (const problem of Object.keys(ACCOUNT_PROBLEM_MARKERS) as AccountProblem[]) {
    const rows = await db
      .select({ provider: messages.provider, errors: count(), sample: max(messages.error) })
      .from(messages)
      .where(and(gte(messages.updatedAt, since), like(messages.error, `%${ACCOUNT_PROBLEM_MARKERS[problem]}%`)))
      .groupBy(messages.provider);
    for (const r of rows) {
      findings.push({
        cause: `provider-${problem}:${r.provider}`,
        severity: 'critical',
        summary: `${r.provider} ${WHAT[problem]}: ${r.errors} send(s) refused in the last ${minutes(options.windowMs)}`,
        detail: { provider: r.provider, problem, errors: r.errors, error: r.sample?.slice(0, 300) },
      });
    }
  }
  return findings;
};
