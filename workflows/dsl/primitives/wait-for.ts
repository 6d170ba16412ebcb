/**
 * `j.waitFor`: the first buffered or arriving event matching the spec (or any of the specs), or
 * null after the timeout. The deadline and the answer are kept in the memo, so a continued run
 * waits out the same deadline and a finished wait is not waited again.
 */
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { ApplicationFailure, condition } from '@temporalio/workflow';
import type { JourneyEvent } from '../../contract';
import { listensTo, specType, type EventSpec } from '../options';
import { recordVariants, setWaiting, type RunState } from '../run-state';

export async function waitFor(run: RunState, spec: EventSpec | EventSpec[], opts: { timeout: Duration }): Promise<JourneyEvent | null> {
  const { options, inbox, memo } = run;
  const specs = Array.isArray(spec) ? spec : [spec];
  const undeclared = specs.map(specType).filter((t) => !listensTo(options, t));
  if (undeclared.length) {
    // The router signals a run only the types its journey declares: this wait could never end early.
    throw ApplicationFailure.nonRetryable(`Journey ${options.id} waits for ${undeclared.join(', ')}: add it to waitsFor`);
  }
  const { index, value } = memo.slot('wait', () => ({ deadline: Date.now() + msToNumber(opts.timeout), got: undefined as JourneyEvent | null | undefined }));
  if (value.got !== undefined) return value.got;
  let hit = inbox.take(spec);
  if (!hit && value.deadline > Date.now()) {
    await recordVariants(run);
    setWaiting(run, { for: 'event', event: specs.map(specType).join(' | '), until: new Date(value.deadline).toISOString() });
    await run.hooks.beforeWait();
    await condition(() => (hit = inbox.take(spec)) !== undefined, value.deadline - Date.now());
    setWaiting(run, { for: 'nothing' });
  }
  const got = hit ?? null;
  memo.set(index, { ...value, got });
  return got;
}
