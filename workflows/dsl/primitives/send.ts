/**
 * `j.send`: one message on one channel, under a step id that names it in the run. Marketing SMS and
 * push wait out the customer's night; the send itself is an activity whose idempotency key is the
 * run's first execution and the step, so a retry, a replay or a continued run never sends twice.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  patched,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { JourneyAttribute, StepAttribute, type Channel, type SendRequest, type SendResult } from '../../contract';
import { dataActivities, sendActivityFor, sendLocalFirst } from '../activities';
import { parseLocalTime, quietUntil } from '../local-time';
import { recordSend, sleepUntilMs, type RunState } from '../run-state';

/** Marketing SMS, push and Telegram wait out the night (a phone buzzes); email does not wake anyone, so it goes at once. */
const QUIET_FROM = parseLocalTime('21:00');
const QUIET_TO = parseLocalTime('09:00');
const QUIET_CHANNELS: Channel[] = ['sms', 'push', 'telegram'];
/** A held send asks again after 2 s, then twice as long each time, at least once a minute. */
const HOLD_FIRST_MS = 2_000;
const HOLD_MAX_MS = 60_000;

export interface SendOptions {
  channel: Channel;
  template: string;
  /**
   * The step's id: part of the send's idempotency key, so it must stay the same while runs are in
   * flight (a template may be renamed; a step may not). Unique within a run (per restart).
   */
  step: string;
  /** Merged into the template data next to the customer profile. */
  data?: Record<string, unknown>;
  /** defer (default): sleep to 09:00 local; skip: return skipped 'quiet_hours'; ignore: send now. */
  quietHours?: 'defer' | 'skip' | 'ignore';
}

export async function send(run: RunState, opts: SendOptions): Promise<SendResult> {
  const { options, input, info, memo, status } = run;
  const { step } = opts;
  if (run.usedSteps.has(step)) {
    throw ApplicationFailure.nonRetryable(`Step id "${step}" is used twice in journey ${options.id}; give each send its own step`);
  }
  run.usedSteps.add(step);
  status.step = step;
  const slot = memo.slot<SendResult | null>('send', () => null);
  if (slot.value) return slot.value; // sent before continue-as-new: already in status.sent
  // Runs started through Cascade carry the search attributes; a bare test server has none defined.
  if (info.typedSearchAttributes.get(JourneyAttribute) !== undefined) {
    upsertSearchAttributes([{ key: StepAttribute, value: step }]);
  }

  const quiet = options.transactional ? 'ignore' : (opts.quietHours ?? 'defer');
  // Outside quiet hours: now, and again after a hold (a paused journey resumed at night).
  const waitOutNight = async (): Promise<boolean> => {
    if (quiet === 'ignore' || !QUIET_CHANNELS.includes(opts.channel)) return true;
    const until = quietUntil(Date.now(), run.customer.timeZone, QUIET_FROM, QUIET_TO);
    if (until === null) return true;
    if (quiet === 'skip') return false;
    await sleepUntilMs(run, until, false);
    return true;
  };
  if (!(await waitOutNight())) return recordSend(run, slot.index, { status: 'skipped', channel: opts.channel, reason: 'quiet_hours', step });

  // The first execution's run id keeps keys stable across retries and continue-as-new, yet
  // distinct for a later run of the same workflow id (re-entry after the previous run ended).
  const restartPart = run.epoch === 0 ? '' : `/r${run.epoch}`;
  const idempotencyKey = `${info.workflowId}/${info.firstExecutionRunId}${restartPart}/${step}`;
  // A send that started finishes and is recorded even if an exit event arrives meanwhile.
  const request: SendRequest = {
    idempotencyKey,
    customerId: input.customerId,
    workflowId: info.workflowId,
    runId: info.firstExecutionRunId,
    journey: options.id,
    step,
    channel: opts.channel,
    template: opts.template,
    data: { ...(run.trigger ? { event: run.trigger.properties } : {}), ...opts.data },
    transactional: options.transactional ?? false,
    ...(options.topic && !options.transactional ? { topic: options.topic } : {}),
    ...(Object.keys(run.variants).length ? { variants: { ...run.variants } } : {}),
    ...(run.unrecordedVariants.size ? { recordVariants: true as const } : {}),
    requestedAt: new Date().toISOString(),
  };
  const epoch = run.epoch;
  const asActivity = () => sendActivityFor(epoch === 0 ? step : `r${epoch}/${step}`)(request);
  const attempt = () => CancellationScope.nonCancellable(() =>
    (patched('send-local-first') ? sendLocalFirst(request, asActivity) : asActivity()).catch(async (err: unknown): Promise<SendResult> => {
      // Retries are exhausted or the provider said no for good: the journey goes on without it,
      // and the ledger says failed (a pending row would count against the cap for ever).
      if (!(err instanceof ActivityFailure)) throw err;
      const error = err.cause instanceof ApplicationFailure ? err.cause.message : err.message;
      if (patched('ledger-records-failed-sends')) await dataActivities.markSendFailed({ idempotencyKey, error });
      return { status: 'failed', channel: opts.channel, error, step };
    }),
  );
  // While an operator has the journey paused the activity decides nothing and answers `held`: the
  // run asks again, more slowly each time, until resumed. The hold is a wait like a sleep (an exit
  // ends it; a long one continues as new), and the send goes out at the time it finally goes.
  let answer = await attempt();
  for (let hold = HOLD_FIRST_MS; answer.status === 'held'; hold = Math.min(hold * 2, HOLD_MAX_MS)) {
    status.step = `${step} (held: journey paused)`;
    await sleepUntilMs(run, Date.now() + hold, true);
    status.step = step;
    if (!(await waitOutNight())) return recordSend(run, slot.index, { status: 'skipped', channel: opts.channel, reason: 'quiet_hours', step });
    request.requestedAt = new Date().toISOString();
    answer = await attempt();
  }
  const result = answer;
  // A send that reached the ledger wrote the run's variants with its row; a failed one may not have.
  if (request.recordVariants && result.status !== 'failed') for (const experiment of Object.keys(request.variants!)) run.unrecordedVariants.delete(experiment);
  return recordSend(run, slot.index, result);
}
