/**
 * Runs every check at once, each within its budget, and says what the result means for a shell.
 * Cascade's own checks are here; the providers' come from the channel registry
 * (activities/channels/index.ts, `providerChecks`), which the callers pass in.
 */
import { bounded, type Check, type CheckFn, type DoctorContext } from './check';
import { postgresCheck } from './checks/postgres';
import { publicUrlCheck } from './checks/public-url';
import { retentionCheck } from './checks/retention';
import { temporalCheck } from './checks/temporal';

/** A check by name, and whether a timeout fails it (the default) or only warns. */
export type NamedCheck = [string, CheckFn, ('warn' | 'fail')?];

const OWN_CHECKS: NamedCheck[] = [
  ['postgres', postgresCheck],
  ['temporal', temporalCheck],
  ['public-url', publicUrlCheck],
  ['retention', retentionCheck],
];

export async function runDoctor(ctx: DoctorContext, providerChecks: NamedCheck[]): Promise<Check[]> {
  const [postgres, temporal, publicUrl, retention] = OWN_CHECKS;
  const checks = [postgres!, temporal!, ...providerChecks, publicUrl!, retention!];
  const results = await Promise.all(checks.map(([name, check, onTimeout]) => bounded(name, check, ctx, onTimeout)));
  return results.flat();
}

/** 1 when anything fails; warnings alone do not (an outbox instead of a provider is a choice). */
export function exitCode(checks: Check[]): 0 | 1 {
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}
