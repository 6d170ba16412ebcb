/** Runs every check at once, each within its budget, and says what the result means for a shell. */
import { bounded, type Check, type CheckFn, type DoctorContext } from './check';
import { emailDnsCheck } from './checks/email-dns';
import { fcmCheck } from './checks/fcm';
import { postgresCheck } from './checks/postgres';
import { publicUrlCheck } from './checks/public-url';
import { resendCheck } from './checks/resend';
import { smscCheck } from './checks/smsc';
import { temporalCheck } from './checks/temporal';

/** A DNS resolver that does not answer says nothing about the records: a warning, as within the check. */
const CHECKS: Array<[string, CheckFn, ('warn' | 'fail')?]> = [
  ['postgres', postgresCheck],
  ['temporal', temporalCheck],
  ['resend', resendCheck],
  ['email.dns', emailDnsCheck, 'warn'],
  ['smsc', smscCheck],
  ['fcm', fcmCheck],
  ['public-url', publicUrlCheck],
];

export async function runDoctor(ctx: DoctorContext): Promise<Check[]> {
  const results = await Promise.all(CHECKS.map(([name, check, onTimeout]) => bounded(name, check, ctx, onTimeout)));
  return results.flat();
}

/** 1 when anything fails; warnings alone do not (an outbox instead of a provider is a choice). */
export function exitCode(checks: Check[]): 0 | 1 {
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}
