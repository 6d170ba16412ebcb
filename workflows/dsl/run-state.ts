/**
 * What the primitives of one run share (primitives/, wired into `j` by context.ts): the journey's
 * options and input, the inbox and memo, and what changes as the body goes (epoch, customer,
 * trigger, steps used, variants, the status the `status` query answers). Plus the waits and the
 * send record every primitive that waits or sends goes through, so each is written once.
 */
import { sleep as wfSleep, workflowInfo, type WorkflowInfo } from '@temporalio/workflow';
import type { JourneyEvent, JourneyInput, Profile, RunStatus, SendResult } from '../contract';
import { localDataActivities } from './activities';
import type { Inbox } from './events';
import type { Memo } from './memo';
import type { JourneyOptions } from './options';

export interface ContextHooks {
  /** Called before every wait a body makes: the run may continue-as-new there (it throws then). */
  beforeWait(): Promise<void>;
  /** Called with every send's result. */
  onSent(result: SendResult): void;
}

export interface RunState {
  readonly options: JourneyOptions;
  readonly input: JourneyInput;
  readonly inbox: Inbox;
  readonly memo: Memo;
  readonly hooks: ContextHooks;
  readonly info: WorkflowInfo;
  /** Increases when a restart event starts the body over. */
  epoch: number;
  customer: Profile;
  trigger: JourneyEvent | undefined;
  bodyStartedAt: number;
  /** Step ids sent in this epoch: each may be used once. */
  usedSteps: Set<string>;
  /** The variants chosen so far, carried across continue-as-new. */
  readonly variants: Record<string, string>;
  /** Experiments whose variant is not on the run's row yet: the run's next write takes them (`recordVariants`). */
  readonly unrecordedVariants: Set<string>;
  readonly status: RunStatus;
}

export function createRunState(args: { options: JourneyOptions; input: JourneyInput; inbox: Inbox; customer: Profile; memo: Memo; hooks: ContextHooks }): RunState {
  const { options, input } = args;
  const carried = input.carried;
  return {
    ...args,
    info: workflowInfo(),
    epoch: carried?.epoch ?? 0,
    trigger: input.trigger,
    bodyStartedAt: carried?.bodyStartedAt ?? Date.now(),
    usedSteps: new Set(),
    variants: { ...(carried?.variants ?? {}) },
    unrecordedVariants: new Set(),
    status: {
      journey: options.id,
      customerId: input.customerId,
      key: input.key,
      step: 'start',
      waiting: { for: 'nothing' },
      sent: [...(carried?.sent ?? [])],
      converted: carried?.conversion !== undefined,
    },
  };
}

/** A restart event starts the body over: a new epoch, new step ids, an empty memo. */
export function restart(run: RunState, event: JourneyEvent): void {
  run.epoch += 1;
  run.trigger = event;
  run.bodyStartedAt = Date.now();
  run.usedSteps = new Set();
  run.memo.reset();
  run.status.step = 'restarted';
}

export function setWaiting(run: RunState, waiting: RunStatus['waiting']): void {
  run.status.waiting = waiting;
}

/**
 * Writes the variants `j.variant` chose that no write of the run has carried yet: before every wait
 * (a variant may decide how long it is) and at the run's end. A run that sends first writes them
 * with the send's ledger row instead (primitives/send.ts), and spends no call on them.
 */
export async function recordVariants(run: Pick<RunState, 'info' | 'variants' | 'unrecordedVariants'>): Promise<void> {
  // Each is crossed off once written: an exit that cancels the body mid-write leaves it to the end's.
  for (const experiment of [...run.unrecordedVariants]) {
    await localDataActivities.recordRunVariant({ workflowId: run.info.workflowId, runId: run.info.firstExecutionRunId, experiment, variant: run.variants[experiment]! });
    run.unrecordedVariants.delete(experiment);
  }
}

/** Sleeps to an instant, shown in the status; `canContinueAsNew`: the run may continue-as-new first. */
export async function sleepUntilMs(run: RunState, wakeAt: number, canContinueAsNew: boolean): Promise<void> {
  if (wakeAt <= Date.now()) return;
  await recordVariants(run);
  setWaiting(run, { for: 'time', until: new Date(wakeAt).toISOString() });
  if (canContinueAsNew) await run.hooks.beforeWait();
  await wfSleep(wakeAt - Date.now());
  setWaiting(run, { for: 'nothing' });
}

/** A sleep of the body: its wake-up instant is kept, so a continued run wakes at the same time. */
export async function sleepTo(run: RunState, target: () => number): Promise<void> {
  const { value: wakeAt } = run.memo.slot('sleep', target);
  await sleepUntilMs(run, wakeAt, true);
}

/** A send's result, kept in the memo and the status, and told to the journey (the goal window). */
export function recordSend(run: RunState, index: number, result: SendResult): SendResult {
  run.memo.set(index, result);
  run.status.sent.push({
    step: result.step,
    channel: result.channel,
    status: result.status,
    ...(result.status === 'skipped' ? { reason: result.reason } : result.status === 'failed' ? { reason: result.error } : {}),
  });
  run.hooks.onSent(result);
  return result;
}
