/**
 * Draws a journey's step graph from its code: runs the body against a dry-run context
 * (dry-run-context.ts) once per combination of decision outcomes, depth first (each run takes the
 * previous one's choices up to its last decision with an outcome left, then that outcome), and
 * merges the paths (merge.ts). The graph therefore is what the code does, never a second
 * description of it. A body that reaches Temporal other than through `j` (the SDK throws outside a
 * workflow) or waits on anything else fails the dry run, by name.
 */
import type { JourneyGraph } from '../workflows/contract';
import type { JourneyBody } from '../workflows/dsl/journey';
import type { JourneyOptions } from '../workflows/dsl/options';
import { dryRunContext, type Visit } from './dry-run-context';
import { mergePaths } from './merge';
import { sampleProfile, sampleTrigger } from './sample';

/** More paths than this means decisions in a loop: the graph would not be readable anyway. */
export const MAX_PATHS = 256;

const BODY_RULE = 'a journey body must reach Temporal only through j (workflows/dsl/context.ts)';

/** Every primitive of the dry run resolves at once, so a body still pending once the event loop turns waits on something else. */
const settledNow = <T>(promise: Promise<T>): Promise<{ done: true; value: T } | { done: false }> =>
  Promise.race([promise.then((value) => ({ done: true as const, value })), new Promise<{ done: false }>((resolve) => setImmediate(() => resolve({ done: false })))]);

export async function exploreJourney(journey: { options: JourneyOptions; body: JourneyBody }, now = Date.now()): Promise<JourneyGraph> {
  const { id } = journey.options;
  const sample = { customer: sampleProfile(now), ...sampleTrigger(journey.options, now), now };
  const paths: Visit[][] = [];
  let choices: number[] = [];
  for (;;) {
    if (paths.length === MAX_PATHS) throw new Error(`journey ${id}: more than ${MAX_PATHS} paths through its decisions; the dry run stops rather than draw half a graph`);
    const run = dryRunContext(sample, choices);
    let outcome: Awaited<ReturnType<typeof settledNow>>;
    try {
      outcome = await settledNow(journey.body(run.j));
    } catch (err) {
      throw new Error(`journey ${id}: the dry run of its body failed (${err instanceof Error ? err.message : String(err)}); ${BODY_RULE}`, { cause: err });
    }
    if (!outcome.done) throw new Error(`journey ${id}: its body waited on something other than j's primitives in the dry run; ${BODY_RULE}`);
    paths.push(run.visits);
    let last = run.decisions.length - 1;
    while (last >= 0 && run.decisions[last]!.chosen + 1 >= run.decisions[last]!.of) last--;
    if (last < 0) break;
    choices = [...run.decisions.slice(0, last).map((d) => d.chosen), run.decisions[last]!.chosen + 1];
  }
  return mergePaths(id, paths);
}
