/**
 * The run's inbox. Every event signalled to a run lands here once (by event id), decides whether
 * it ends or restarts the run, and waits in a bounded buffer until a `waitFor` takes it.
 */
import type { JourneyEvent, SendResult } from '../contract';
import type { EventSpec } from './options';

const MAX_PENDING = 200;
const MAX_SEEN = 1000;

export interface Interrupt {
  kind: 'exit' | 'restart';
  event: JourneyEvent;
  /** An operator's exit: why, in their words; there is no event. */
  byOperator?: string;
}

/** How a run an interrupt ended says why: `exited: order.placed`, `exited: operator: <reason>`. */
export const exitReason = (interrupt: Interrupt): string => `exited: ${interrupt.byOperator === undefined ? interrupt.event.type : `operator: ${interrupt.byOperator}`}`;

export class Inbox {
  private readonly seen: string[];
  private readonly seenSet: Set<string>;
  pending: JourneyEvent[];
  interrupt: Interrupt | undefined;

  constructor(
    private readonly rules: { exitOn: EventSpec[]; restartOn: EventSpec[]; keyProperty?: string; key?: string },
    carried?: { seenEventIds: string[]; pending: JourneyEvent[] },
  ) {
    this.seen = [...(carried?.seenEventIds ?? [])];
    this.seenSet = new Set(this.seen);
    this.pending = [...(carried?.pending ?? [])];
  }

  /** Marks an id as handled without buffering it (the trigger, which the run already has as input). */
  markSeen(id: string): void {
    if (this.seenSet.has(id)) return;
    this.seenSet.add(id);
    this.seen.push(id);
    if (this.seen.length > MAX_SEEN) this.seenSet.delete(this.seen.shift()!);
  }

  /** An operator's exit: it overrides a restart, not an exit already on its way. */
  exitByOperator(reason: string, at: string): void {
    if (this.interrupt?.kind === 'exit') return;
    this.interrupt = { kind: 'exit', event: { id: `operator-exit@${at}`, type: 'operator.exit', properties: {}, occurredAt: at }, byOperator: reason };
  }

  /** Returns false for a duplicate. */
  receive(event: JourneyEvent): boolean {
    if (this.seenSet.has(event.id)) return false;
    this.markSeen(event.id);
    if (!this.interrupt || this.interrupt.kind === 'restart') {
      if (this.rules.exitOn.some((s) => this.matches(s, event))) this.interrupt = { kind: 'exit', event };
      else if (this.rules.restartOn.some((s) => this.matches(s, event))) this.interrupt = { kind: 'restart', event };
    }
    this.pending.push(event);
    if (this.pending.length > MAX_PENDING) this.pending.shift();
    return true;
  }

  /** Removes and returns the oldest buffered event that matches the spec, or any of the specs. */
  take(spec: EventSpec | EventSpec[]): JourneyEvent | undefined {
    const specs = Array.isArray(spec) ? spec : [spec];
    const i = this.pending.findIndex((e) => specs.some((s) => this.matches(s, e)));
    return i < 0 ? undefined : this.pending.splice(i, 1)[0];
  }

  /**
   * An event matches by type and, unless a `where` says otherwise, by the run's key: an
   * `order.placed` for cart B does not end the run for cart A. Events without the key match all.
   */
  matches(spec: EventSpec, e: JourneyEvent): boolean {
    const { event, where } = typeof spec === 'string' ? { event: spec, where: undefined } : spec;
    if (e.type !== event) return false;
    if (where) return where(e);
    const { keyProperty, key } = this.rules;
    if (!keyProperty || key === undefined || !(keyProperty in e.properties)) return true;
    return String(e.properties[keyProperty]) === key;
  }

  carry(): { seenEventIds: string[]; pending: JourneyEvent[] } {
    return { seenEventIds: [...this.seen], pending: [...this.pending] };
  }
}

/**
 * An open or a click of any message these sends delivered. Provider reports reach the run that
 * sent the message as `message.opened` / `message.clicked` with the step in their properties.
 *
 *   const reaction = await j.waitFor(opensOrClicks([email, push]), { timeout: '2 days' });
 */
export function opensOrClicks(sent: SendResult[]): EventSpec[] {
  const steps = sent.filter((r) => r.status === 'sent').map((r) => r.step);
  const where = (e: JourneyEvent) => steps.includes(String(e.properties.step));
  return [
    { event: 'message.opened', where },
    { event: 'message.clicked', where },
  ];
}
