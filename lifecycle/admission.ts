/**
 * May this trigger start a run? Asked before a run is started, so a refusal costs no workflow:
 * `reentry` against the runs this workflow id had (a run refused at entry does not count), and the
 * journey's `enterIf` against the profile as it is now. A run admitted on a profile is started with it
 * (JourneyInput.admittedWith), and neither loads it nor asks `enterIf` again.
 */
import type { Db, Tx } from '../db/client';
import { loadProfile } from '../db/queries/profile';
import { reachableChannelsSql } from '../contactability/eligibility';
import { pastRunsOf, type PastRuns } from '../db/queries/runs';
import type { JourneyEvent, Profile } from '../workflows/contract';
import type { JourneyEntry } from '../workflows/dsl/options';
import type { LifecycleDeps } from './deps';

/** `profile`: the profile `enterIf` said yes to, when the journey has one. */
export type Admission = { admitted: true; profile?: Profile } | { admitted: false; reason: string };

/**
 * `db`: the router's transaction, which holds the customer's routing lock. `past`: the workflow
 * id's past runs when the router read them already, with the events it routes.
 */
export async function admit(
  deps: Pick<LifecycleDeps, 'webhookUrl'>,
  db: Db,
  wf: JourneyEntry,
  run: { customerId: string; workflowId: string; trigger: JourneyEvent; seq?: number; past?: PastRuns },
): Promise<Admission> {
  const { customerId, workflowId, trigger } = run;
  const { options } = wf;
  const past = run.past ?? (await pastRunsOf(db, workflowId, { id: trigger.id, seq: run.seq }));
  if (options.reentry === 'once' && past.entered) return { admitted: false, reason: 'already entered once' };
  if (past.triggerHandled) return { admitted: false, reason: 'trigger already handled' };
  // Routed again after a crash lost the record of its first routing: it reached the run that was
  // running then (a restart, say), which a later event has ended since; another run would replay the past.
  if (past.exitedAfterTrigger) return { admitted: false, reason: 'an earlier run heard it and has exited since' };
  if (options.enterIf) {
    const profile = await loadProfile(db, customerId, reachableChannelsSql(options.topic, deps.webhookUrl));
    if (!profile) return { admitted: false, reason: 'customer does not exist' };
    const verdict = options.enterIf(profile, trigger);
    if (verdict !== true) return { admitted: false, reason: `not entered: ${verdict}` };
    return { admitted: true, profile };
  }
  return { admitted: true };
}
