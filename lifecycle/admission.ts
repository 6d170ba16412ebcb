/**
 * May this trigger start a run, and in which group? Asked before a run is started, so a refusal
 * costs no workflow: `reentry` against the runs this workflow id had (a run refused at entry does
 * not count), and the journey's `enterIf` against the profile as it is now. A run admitted on a
 * profile is started with it (JourneyInput.admittedWith), and neither loads it nor asks `enterIf`
 * again. The holdout is the journey's own hash, which the run computes too; admission names it so
 * the router can record it with the run.
 */
import type { Db } from '../db/client';
import { loadProfile } from '../db/queries/profile';
import { reachableChannelsSql } from '../contactability/eligibility';
import type { PastRun } from '../db/queries/runs';
import type { JourneyEvent, Profile } from '../workflows/contract';
import { inJourneyHoldout, type JourneyEntry } from '../workflows/dsl/options';
import { refusedEntry } from '../journey-controls/entry';
import { journeyControls } from '../journey-controls/settings';
import type { LifecycleDeps } from './deps';

/**
 * `profile`: the profile `enterIf` said yes to, when the journey has one. `recorded`: a refusal the
 * operator's settings made (paused, rollout, test mode), which the router records as a refused run.
 */
export type Admission = { admitted: true; profile?: Profile; holdout: boolean } | { admitted: false; reason: string; recorded?: true };

/**
 * `db`: the router's transaction, which holds the customer's routing lock. `past`: the workflow
 * id's past runs, read by the router with the event it routes.
 */
export async function admit(
  deps: Pick<LifecycleDeps, 'webhookUrl'>,
  db: Db,
  wf: JourneyEntry,
  run: { customerId: string; trigger: JourneyEvent; past: PastRun[] },
): Promise<Admission> {
  const { customerId, trigger, past } = run;
  const { options } = wf;
  if (options.reentry === 'once' && past.some((r) => r.status !== 'refused')) return { admitted: false, reason: 'already entered once' };
  if (past.some((r) => r.status !== 'running' && r.triggerEventId === trigger.id)) return { admitted: false, reason: 'trigger already handled' };
  // Routed again after a crash lost the record of its first routing: it reached the run that was
  // running then (a restart, say), which a later event has ended since; another run would replay the past.
  if (past.some((r) => r.laterExit)) return { admitted: false, reason: 'an earlier run heard it and has exited since' };
  const refused = refusedEntry(await journeyControls(db).of(options.id), options.id, customerId);
  if (refused) return { admitted: false, reason: refused, recorded: true };
  let profile: Profile | undefined;
  if (options.enterIf) {
    profile = await loadProfile(db, customerId, reachableChannelsSql(options.topic, deps.webhookUrl));
    if (!profile) return { admitted: false, reason: 'customer does not exist' };
    const verdict = options.enterIf(profile, trigger);
    if (verdict !== true) return { admitted: false, reason: `not entered: ${verdict}` };
  }
  return { admitted: true, ...(profile ? { profile } : {}), holdout: inJourneyHoldout(options, customerId) };
}
