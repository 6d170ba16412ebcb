/**
 * `journey(options, body)` turns a journey's description into a Temporal workflow: it loads the
 * customer, records the run, routes signalled events into the inbox, ends the run on an exit event,
 * restarts the body on a restart event, tracks the conversion goal, continues-as-new when the
 * history grows long, and answers the `status` query. The body only says what the marketer said;
 * `j` (see context.ts) carries the primitives.
 */
import { msToNumber as msOf } from '@temporalio/common/lib/time';
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { dataActivities } from './activities';
import { createContext, type JourneyContext, type RunContext } from './context';
import { exitReason, Inbox } from './events';
import { Memo } from './memo';
import { inJourneyHoldout, listenedTypes, type JourneyOptions } from './options';
import { eventSignal, exitSignal, statusQuery, workflowTypeOf, type CarriedState, type JourneyEvent, type JourneyInput, type Profile, type RunEnd, type RunRecord } from '../contract';

export type { JourneyOptions } from './options';

/** A body may return why it stopped early ("no appointment time"): the run ends "completed: <that>". */
export type JourneyBody = (j: JourneyContext) => Promise<unknown>;
/** `body` is kept for the dry run that draws the journey's step graph outside any workflow (journey-map/). */
export type JourneyWorkflow = ((input: JourneyInput) => Promise<string>) & { readonly options: JourneyOptions; readonly body: JourneyBody };

function keyValueOf(options: JourneyOptions, input: JourneyInput): string | undefined {
  const value = options.trigger?.key ? input.trigger?.properties[options.trigger.key] : undefined;
  return value === undefined || value === null ? input.key : String(value);
}

export function journey(options: JourneyOptions, body: JourneyBody): JourneyWorkflow {
  const run = async (input: JourneyInput): Promise<string> => {
    const info = workflowInfo();
    const carried = input.carried;
    const inboxKey = keyValueOf(options, input);
    const inbox = new Inbox(
      {
        exitOn: options.exitOn ?? [],
        restartOn: options.restartOn ?? [],
        keyProperty: options.trigger?.key,
        // every-trigger runs are named by the trigger's event id; events still match by the key value.
        key: inboxKey,
      },
      carried,
    );
    // signalWithStart delivers the trigger as the first signal too; the input already carries it.
    if (input.trigger) inbox.markSeen(input.trigger.id);

    const goal = options.goal;
    const goalMs = goal ? msOf(goal.within) : 0;
    let lastSentAt = carried?.lastSentAt;
    let conversion = carried?.conversion;
    let ctx: RunContext | undefined;

    // Signals and the events stored before the run started take the same way in.
    const deliver = (event: JourneyEvent) => {
      if (!inbox.receive(event)) return;
      const inWindow = lastSentAt !== undefined && goal !== undefined && Date.now() - lastSentAt <= goalMs;
      if (goal && !conversion && inWindow && inbox.matches(goal.event, event)) {
        conversion = event;
        if (ctx) ctx.status.converted = true;
      }
    };
    // Handlers first, so a query or an event in the first moments of the run is answered, not refused.
    setHandler(eventSignal, deliver);
    setHandler(exitSignal, ({ reason }) => inbox.exitByOperator(reason, new Date().toISOString()));
    setHandler(
      statusQuery,
      () =>
        ctx?.status ?? {
          journey: options.id,
          customerId: input.customerId,
          key: input.key,
          step: 'loading customer',
          waiting: { for: 'nothing' },
          sent: [],
          converted: false,
        },
    );

    let phase: 'body' | 'goal' = carried?.phase ?? 'body';
    let outcome = carried?.outcome;
    const memo = new Memo(carried?.memo);

    const carry = (): CarriedState => ({
      epoch: ctx!.epoch,
      ...inbox.carry(),
      phase,
      bodyStartedAt: ctx!.bodyStartedAt,
      lastSentAt,
      conversion,
      outcome,
      sent: ctx!.status.sent,
      memo: memo.carry(),
      customer,
      variants: ctx!.variants,
    });
    const historyTooLong = () => {
      const now = workflowInfo();
      return now.continueAsNewSuggested || (options.historyLimit !== undefined && now.historyLength >= options.historyLimit);
    };
    /** At a wait, with nothing in flight: start a fresh history that picks up where this one is. */
    const continueIfLong = async () => {
      if (!historyTooLong()) return;
      await condition(allHandlersFinished);
      // An exit or restart that came meanwhile is handled here first; the flag does not travel.
      if (inbox.interrupt) return;
      await ctx!.recordVariants();
      await continueAsNew<JourneyWorkflow>({ ...input, trigger: ctx!.trigger, carried: carry() });
    };

    // A campaign's holdout comes in the input; the journey's own is decided here, by the same hash.
    const heldOut = !carried && (input.holdout === true || inJourneyHoldout(options, input.customerId));
    const record = (): RunRecord => ({
      runId: info.firstExecutionRunId,
      workflowId: info.workflowId,
      journey: options.id,
      customerId: input.customerId,
      startedAt: info.startTime.toISOString(),
      triggerEventId: input.trigger?.id,
      triggerOccurredAt: input.trigger?.occurredAt,
      listens: [...listenedTypes(options)],
      ...(options.trigger?.key && inboxKey !== undefined ? { key: { property: options.trigger.key, value: inboxKey } } : {}),
      ...(input.trigger?.type === 'campaign' && typeof input.trigger.properties.campaignId === 'string'
        ? { campaignId: input.trigger.properties.campaignId }
        : {}),
      ...(heldOut ? { holdout: true } : {}),
    });

    // A new run loads its customer and records itself in one activity; histories from before that
    // made two activity calls, and replay them so. Events for this run that were stored before it
    // existed (an order routed while its cart run was starting) come back from the same call. A
    // regular activity, not a local one, on purpose: its result comes in a workflow task of its own,
    // after the signals that arrived while it ran, which were routed before those stored events (a
    // local activity's result would come first, and the run would hear the customer out of order).
    // A run the router admitted on a profile (its enterIf said yes) starts from that profile.
    let stored: JourneyEvent[] | undefined;
    let customer: Profile;
    if (carried?.customer) customer = carried.customer;
    else if (!carried && input.admittedWith) customer = input.admittedWith;
    else if (!carried && patched('lean-start')) ({ profile: customer, stored } = await dataActivities.beginRun(record(), options.topic));
    else customer = await dataActivities.loadProfile(input.customerId, options.topic);
    ctx = createContext({
      options,
      input,
      inbox,
      customer,
      memo,
      hooks: {
        beforeWait: continueIfLong,
        onSent: (result) => {
          if (result.status === 'sent') lastSentAt = Date.now();
        },
      },
    });

    if (!carried && !stored) stored = await dataActivities.recordRunStart(record());
    for (const event of stored ?? []) deliver(event);

    const end = async (status: RunEnd['status'], reason: string): Promise<string> => {
      ctx.status.ended = reason;
      ctx.status.waiting = { for: 'nothing' };
      await condition(allHandlersFinished);
      await ctx.recordVariants();
      await dataActivities.recordRunEnd({
        workflowId: info.workflowId,
        status,
        reason,
        ...(conversion ? { conversion: { eventId: conversion.id, at: conversion.occurredAt } } : {}),
      });
      return reason;
    };

    if (!carried) {
      const admitted = options.enterIf && !input.admittedWith ? options.enterIf(customer, input.trigger) : true;
      if (admitted !== true) return end('refused', `not entered: ${admitted}`);
      // Held out: no message, no goal window of its own; its conversion is measured from the run's
      // start by analytics/experiments.ts, the same way as the treated runs'.
      if (heldOut) return end('completed', 'completed: held out');
    }

    for (;;) {
      if (phase === 'body') {
        // An exit stored before the run started (or a restart) is acted on before the body sends anything.
        const early = inbox.interrupt;
        if (early && patched('interrupt-before-body')) {
          inbox.interrupt = undefined;
          if (early.kind === 'exit') return end('exited', exitReason(early));
          ctx.restart(early.event);
        }
        const scope = new CancellationScope();
        const done = scope.run(() => body(ctx));
        const interrupted = condition(() => inbox.interrupt !== undefined);
        let finished: { value: unknown } | undefined;
        try {
          finished = await Promise.race([done.then((value) => ({ value })), interrupted.then(() => undefined)]);
        } catch (err) {
          if (err instanceof ContinueAsNew || isCancellation(err)) throw err;
          // A bug or bad data in the body fails this run, recorded, instead of retrying its task for ever.
          const message = err instanceof Error ? err.message : String(err);
          await end('failed', `failed: ${message}`);
          throw ApplicationFailure.nonRetryable(message, 'JourneyFailed');
        }
        const interrupt = inbox.interrupt;
        if (!interrupt) {
          const value = finished?.value;
          outcome = typeof value === 'string' && value ? value : undefined;
          phase = 'goal';
        } else {
          scope.cancel();
          await done.catch((err: unknown) => {
            if (!isCancellation(err)) throw err;
          });
          inbox.interrupt = undefined;
          if (interrupt.kind === 'exit') return end('exited', exitReason(interrupt));
          ctx.restart(interrupt.event);
          await continueIfLong();
          continue;
        }
      }

      // Give the goal its full window after the last message, so late conversions are still counted;
      // a restart event in the window starts the body over (a cart changed again after the last reminder).
      if (goal && !conversion && lastSentAt !== undefined) {
        const until = lastSentAt + goalMs;
        if (until > Date.now()) {
          await ctx.recordVariants();
          ctx.status.waiting = { for: 'event', event: goal.event, until: new Date(until).toISOString() };
          await continueIfLong();
          await condition(() => conversion !== undefined || inbox.interrupt !== undefined, until - Date.now());
        }
      }
      const interrupt = conversion ? undefined : inbox.interrupt;
      if (interrupt?.kind === 'restart') {
        inbox.interrupt = undefined;
        ctx.restart(interrupt.event);
        phase = 'body';
        await continueIfLong();
        continue;
      }
      if (interrupt?.kind === 'exit') return end('exited', exitReason(interrupt));
      return end('completed', conversion ? 'completed: converted' : outcome ? `completed: ${outcome}` : 'completed');
    }
  };

  const name = workflowTypeOf(options.id);
  Object.defineProperty(run, 'name', { value: name });
  return Object.assign(run, { options, body });
}
