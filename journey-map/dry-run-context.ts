/**
 * A `JourneyContext` for a dry run: every primitive resolves at once and writes down the step it
 * stands for. A send is its step; a sleep its duration or time; `waitFor`, `openedWithin` and
 * `variant` are decisions, answered from a vector of choices (the explorer walks every vector).
 * Nothing here reaches Temporal or the database.
 */
import type { Duration } from '@temporalio/common';
import { specType, type EventSpec } from '../workflows/dsl/options';
import type { JourneyContext } from '../workflows/dsl/context';
import type { LocalTime } from '../workflows/dsl/local-time';
import type { Channel, JourneyEvent, JourneyStep, Profile, SendResult } from '../workflows/contract';

/** One primitive call as the graph shows it; a decision names its outcomes in the order it offers them. */
export interface StepCall {
  kind: JourneyStep['kind'];
  /** A send's step id. */
  step?: string;
  label?: string;
  channel?: Channel;
  channels?: Channel[];
  template?: string;
  outcomes?: string[];
}

/** A call on one path, with the outcome the path took (0 for anything but a decision). */
export interface Visit {
  call: StepCall;
  outcome: number;
}

export interface DryRun {
  j: JourneyContext;
  /** The calls in order. */
  visits: Visit[];
  /** Each decision on the path: the outcome taken and how many there were. */
  decisions: Array<{ chosen: number; of: number }>;
}

const durationLabel = (d: Duration) => (typeof d === 'number' ? `${d} ms` : d);
const timeLabel = (at: string | LocalTime) =>
  typeof at === 'string' ? at : `${String(at.hour).padStart(2, '0')}:${String(at.minute).padStart(2, '0')}`;

export function dryRunContext(sample: { customer: Profile; trigger: JourneyEvent | undefined; key: string | undefined; now: number }, choices: readonly number[]): DryRun {
  const visits: Visit[] = [];
  const decisions: DryRun['decisions'] = [];
  const steps = new Set<string>();
  const pass = (call: StepCall) => {
    // As the real send refuses it: a step is one node of the graph because it is one send of the run.
    if (call.step !== undefined && steps.has(call.step)) throw new Error(`step id "${call.step}" is used twice`);
    if (call.step !== undefined) steps.add(call.step);
    visits.push({ call, outcome: 0 });
  };
  const decide = (call: StepCall & { outcomes: string[] }): number => {
    const chosen = choices[decisions.length] ?? 0;
    decisions.push({ chosen, of: call.outcomes.length });
    visits.push({ call, outcome: chosen });
    return chosen;
  };
  const sent = (channel: Channel, step: string): SendResult => ({ status: 'sent', channel, messageId: 0, step });

  const j: JourneyContext = {
    customer: sample.customer,
    trigger: sample.trigger,
    key: sample.key,
    epoch: 0,
    send: async (opts) => {
      pass({ kind: 'send', step: opts.step, channel: opts.channel, template: opts.template });
      return sent(opts.channel, opts.step);
    },
    sendFirstAvailable: async (list, opts) => {
      pass({ kind: 'send', step: opts.step, channel: list[0], channels: [...list], template: opts.template });
      return sent(list[0]!, `${opts.step}:${list[0]}`);
    },
    sleep: async (duration) => pass({ kind: 'sleep', label: durationLabel(duration) }),
    // A date already over is the body's data-dependent early return: the dry run is on time.
    sleepUntil: async (at, opts) => {
      pass({ kind: 'sleep', label: opts?.on === undefined ? `until ${timeLabel(at)} local time` : `until ${timeLabel(at)} local time on a set date` });
      return true;
    },
    sleepUntilInstant: async () => pass({ kind: 'sleep', label: 'until a set instant' }),
    sleepUntilElapsed: async (duration) => pass({ kind: 'sleep', label: `until ${durationLabel(duration)} after the start` }),
    waitFor: async (spec: EventSpec | EventSpec[], opts) => {
      const types = [...new Set((Array.isArray(spec) ? spec : [spec]).map(specType))];
      const outcome = decide({ kind: 'wait', label: `${types.join(' or ')} within ${durationLabel(opts.timeout)}`, outcomes: ['event', 'timeout'] });
      return outcome === 0 ? { v: 1, id: 'dry-run-event', type: types[0]!, properties: {}, occurredAt: new Date(sample.now).toISOString() } : null;
    },
    promoCode: (prefix) => `${prefix}-SAMPLE`,
    refreshCustomer: async () => sample.customer,
    // The graph is of the code as it is now: every change reached.
    patched: () => true,
    openedWithin: async (channel, within) =>
      decide({ kind: 'branch', label: `opened ${channel} within ${durationLabel(within)}`, outcomes: ['yes', 'no'] }) === 0,
    variant: async <V extends string>(experiment: string, variants: readonly V[] | Readonly<Record<V, number>>): Promise<V> => {
      const names = (Array.isArray(variants) ? [...variants] : Object.keys(variants)) as V[];
      return names[decide({ kind: 'variant', label: experiment, outcomes: names })]!;
    },
  };
  return { j, visits, decisions };
}
