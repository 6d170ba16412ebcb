/**
 * `journey(options, body)` turns a journey's description into a Temporal workflow: it loads the
 * customer, records the run, routes signalled events into the inbox, ends the run on an exit event,
 * restarts the body on a restart event, tracks the conversion goal, and answers the `status` query.
 * The body only says what the marketer said; `j` (see context.ts) carries the primitives.
 */
import type { Duration } from '@temporalio/common';
import { msToNumber as msOf } from '@temporalio/common/lib/time';
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { dataActivities } from './activities';
import { createContext, type JourneyContext, type RunContext } from './context';
import { Inbox, type EventSpec } from './events';
import { workflowTypeOf } from '../contract';
import { eventSignal, statusQuery, type JourneyEvent, type JourneyInput, type Profile, type RunStatus } from '../contract';

export interface JourneyOptions {
  /** Stable id, kebab-case: it names the workflow ids and the ledger rows. */
  id: string;
  /** The event that starts a run; `key` names the property that gives each value its own run. */
  trigger?: { event: string; key?: string };
  /** Events that end the run at once ("exited: order.placed"). */
  exitOn?: EventSpec[];
  /** Events that start the body over (a new change to the cart restarts the clock). */
  restartOn?: EventSpec[];
  /** The conversion the journey works for: this event within `within` of the last message sent. */
  goal?: { event: string; within: Duration };
  /** once: never twice for a customer (and key); after-exit: again once a run ended; every-trigger: each trigger. */
  reentry?: 'once' | 'after-exit' | 'every-trigger';
  /** Transactional journeys skip marketing consent, frequency caps and quiet hours, never suppression. */
  transactional?: boolean;
  /** Who may enter: true, or the reason the customer is turned away (the run ends with it). */
  enterIf?: (customer: Profile, trigger: JourneyEvent | undefined) => true | string;
}

/** A body may return why it stopped early ("no appointment time"): the run ends "completed: <that>". */
export type JourneyBody = (j: JourneyContext) => Promise<unknown>;
export type JourneyWorkflow = ((input: JourneyInput) => Promise<string>) & { readonly options: JourneyOptions };

function keyValueOf(options: JourneyOptions, input: JourneyInput): string | undefined {
  const value = options.trigger?.key ? input.trigger?.properties[options.trigger.key] : undefined;
  return value === undefined || value === null ? input.key : String(value);
}

export function journey(options: JourneyOptions, body: JourneyBody): JourneyWorkflow {
  const run = async (input: JourneyInput): Promise<string> => {
    const info = workflowInfo();
    const inbox = new Inbox(
      {
        exitOn: options.exitOn ?? [],
        restartOn: options.restartOn ?? [],
        keyProperty: options.trigger?.key,
        // every-trigger runs are named by the trigger's event id; events still match by the key value.
        key: keyValueOf(options, input),
      },
      input.carried,
    );
    // signalWithStart delivers the trigger as the first signal too; the input already carries it.
    if (input.trigger) inbox.markSeen(input.trigger.id);

    // Handlers first, so a query or an event in the first moments of the run is answered, not refused.
    let ctx: RunContext | undefined;
    let conversion: JourneyEvent | undefined;
    let lastSentAt: number | undefined;
    const goal = options.goal;
    setHandler(eventSignal, (event) => {
      if (!inbox.receive(event)) return;
      const inWindow = lastSentAt !== undefined && goal !== undefined && Date.now() - lastSentAt <= msOf(goal.within);
      if (goal && !conversion && inWindow && inbox.matches(goal.event, event)) {
        conversion = event;
        if (ctx) ctx.status.converted = true;
      }
    });
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

    const customer = await dataActivities.loadProfile(input.customerId);
    ctx = createContext({ options, input, inbox, customer });
    ctx.onSent = () => (lastSentAt = Date.now());

    if (!input.carried) {
      await dataActivities.recordRunStart({
        runId: info.firstExecutionRunId,
        workflowId: info.workflowId,
        journey: options.id,
        customerId: input.customerId,
        triggerEventId: input.trigger?.id,
      });
    }

    const end = async (status: 'completed' | 'exited', reason: string): Promise<string> => {
      ctx.status.ended = reason;
      ctx.status.waiting = { for: 'nothing' };
      await condition(allHandlersFinished);
      await dataActivities.recordRunEnd({
        workflowId: info.workflowId,
        status,
        reason,
        ...(conversion ? { conversion: { eventId: conversion.id, at: conversion.occurredAt } } : {}),
      });
      return reason;
    };

    const admitted = options.enterIf ? options.enterIf(customer, input.trigger) : true;
    if (admitted !== true) return end('completed', `not entered: ${admitted}`);

    let outcome: unknown;
    for (;;) {
      const scope = new CancellationScope();
      const done = scope.run(() => body(ctx));
      const interrupted = condition(() => inbox.interrupt !== undefined);
      await Promise.race([done, interrupted]);
      const interrupt = inbox.interrupt;
      if (!interrupt) {
        outcome = await done;
        break;
      }
      scope.cancel();
      await done.catch((err: unknown) => {
        if (!isCancellation(err)) throw err;
      });
      inbox.interrupt = undefined;
      if (interrupt.kind === 'exit') return end('exited', `exited: ${interrupt.event.type}`);
      ctx.restart(interrupt.event);
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        await continueAsNew<JourneyWorkflow>({ ...input, trigger: ctx.trigger, carried: { epoch: ctx.epoch, ...inbox.carry() } });
      }
    }

    // Give the goal its full window after the last message, so late conversions are still counted.
    if (goal && !conversion && lastSentAt !== undefined) {
      const remaining = lastSentAt + msOf(goal.within) - Date.now();
      if (remaining > 0) {
        ctx.status.waiting = { for: 'event', event: goal.event, until: new Date(Date.now() + remaining).toISOString() };
        await condition(() => conversion !== undefined || inbox.interrupt?.kind === 'exit', remaining);
      }
    }
    const said = typeof outcome === 'string' && outcome ? `completed: ${outcome}` : 'completed';
    return end('completed', conversion ? 'completed: converted' : said);
  };

  const name = workflowTypeOf(options.id);
  Object.defineProperty(run, 'name', { value: name });
  return Object.assign(run, { options });
}
