/**
 * The step graph the worker draws from each journey's code by a dry run through every branch
 * (journey-map/explore.ts), on the real journeys: their order, their decisions and every send.
 */
import { readFileSync } from 'node:fs';
import { sleep as temporalSleep, workflowInfo } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { exploreJourney } from '../journey-map/explore';
import { fromRoot } from '../lib/paths';
import type { JourneyGraph, JourneyStep } from '../workflows/contract';
import { journey } from '../workflows/dsl/journey';
import * as journeys from '../workflows/journeys';

const stepOf = (graph: JourneyGraph, id: string): JourneyStep => {
  const step = graph.steps.find((s) => s.id === id);
  if (!step) throw new Error(`no step ${id} in ${graph.steps.map((s) => s.id).join(', ')}`);
  return step;
};

/** The steps from the start, following each step's only successor. */
function chain(graph: JourneyGraph): JourneyStep[] {
  const out: JourneyStep[] = [];
  for (let id = graph.start; id; ) {
    const step = stepOf(graph, id);
    out.push(step);
    expect(step.next.length, `${id} has one successor`).toBeLessThanOrEqual(1);
    id = step.next[0] ?? null;
  }
  return out;
}

describe('the journey map drawn by a dry run', () => {
  it("draws welcome as its code reads: the subject test first, then each link's sleep and email in order", async () => {
    const graph = await exploreJourney(journeys.welcome);
    const steps = chain(graph);
    expect(steps[0]).toMatchObject({ kind: 'variant', label: 'subject-test', outcomes: [{ label: 'a', next: steps[1]!.id }, { label: 'b', next: steps[1]!.id }] });
    expect(steps.slice(1).map((s) => [s.kind, s.kind === 'send' ? s.id : s.label])).toEqual([
      ['sleep', '0 days'], ['send', 'welcome-hello'],
      ['sleep', '1 day'], ['send', 'welcome-fitting'],
      ['sleep', '2 days'], ['send', 'welcome-promo'],
      ['sleep', '2 days'], ['send', 'welcome-bestsellers'],
      ['sleep', '3 days'], ['send', 'welcome-reviews'],
      ['sleep', '5 days'], ['send', 'welcome-last-call'],
    ]);
    expect(steps.length).toBe(graph.steps.length);
    expect(stepOf(graph, 'welcome-promo')).toMatchObject({ channel: 'email', template: 'welcome-promo' });
  });

  it('draws the reactivation wait with its two outcomes: an open or click ends the run, the timeout sends the SMS', async () => {
    const graph = await exploreJourney(journeys.reactivation);
    expect(chain(graph).map((s) => s.id)).toEqual(['offer-email', 'offer-push', 'wait-1', 'offer-sms']);
    expect(stepOf(graph, 'wait-1')).toMatchObject({
      kind: 'wait',
      label: 'message.opened or message.clicked within 2 days',
      next: ['offer-sms'],
      outcomes: [{ label: 'event', next: null }, { label: 'timeout', next: 'offer-sms' }],
    });
    expect(stepOf(graph, 'offer-sms')).toMatchObject({ kind: 'send', channel: 'sms', next: [] });
  });

  it('draws the tyre-season branch on email opens', async () => {
    const graph = await exploreJourney(journeys.tyreSeason);
    expect(graph.start).toBe('branch-1');
    expect(stepOf(graph, 'branch-1')).toMatchObject({ kind: 'branch', outcomes: [{ label: 'yes', next: null }, { label: 'no', next: 'tyre-season-offer' }] });
  });

  it("shows every send step of every journey, read from the journeys' sources", async () => {
    for (const wf of Object.values(journeys)) {
      const graph = await exploreJourney(wf);
      const source = readFileSync(fromRoot('workflows', 'journeys', `${wf.options.id}.ts`), 'utf8');
      const declared = [...source.matchAll(/step: '([a-z0-9-]+)'/g)].map((m) => m[1]!);
      expect(declared.length, wf.options.id).toBeGreaterThan(0);
      const sends = graph.steps.filter((s) => s.kind === 'send').map((s) => s.id);
      expect(sends.sort(), wf.options.id).toEqual([...new Set(declared)].sort());
      // Every step is reachable and every edge lands on a step.
      const ids = new Set(graph.steps.map((s) => s.id));
      for (const s of graph.steps) for (const n of s.next) expect(ids.has(n), `${wf.options.id}: ${s.id} → ${n}`).toBe(true);
    }
  });

  it('draws the birthday greeting as one send over its channels in order, the service reminder past its data checks', async () => {
    const birthday = await exploreJourney(journeys.birthday);
    expect(chain(birthday).map((s) => s.kind)).toEqual(['sleep', 'send']);
    expect(stepOf(birthday, 'birthday-greeting')).toMatchObject({ channel: 'push', channels: ['push', 'email', 'webhook', 'sms'] });
    const reminder = await exploreJourney(journeys.serviceReminder);
    expect(chain(reminder).map((s) => s.id)).toEqual(['sleep-1', 'service-reminder']);
  });

  it('fails by name on a body that calls Temporal other than through j', async () => {
    const options = { id: 'raw-timer', topic: 'news', trigger: { event: 'x.happened' } };
    await expect(exploreJourney(journey(options, async () => void (await temporalSleep('1 day'))))).rejects.toThrow(
      /journey raw-timer: the dry run of its body failed \(Workflow\.sleep\(\.\.\.\) may only be used from a Workflow Execution\); a journey body must reach Temporal only through j/,
    );
    await expect(exploreJourney(journey({ ...options, id: 'raw-info' }, async (j) => j.send({ channel: 'email', template: workflowInfo().workflowId, step: 's' })))).rejects.toThrow(/journey raw-info: .*only through j/);
    const timer = journey({ ...options, id: 'own-timer' }, async () => new Promise((resolve) => setTimeout(resolve, 50)));
    await expect(exploreJourney(timer)).rejects.toThrow(/journey own-timer: its body waited on something other than j's primitives/);
  });

  it('stops loudly past the cap on paths instead of drawing half a graph', async () => {
    const options = { id: 'many-choices', topic: 'news' };
    const body = journey(options, async (j) => {
      for (let i = 0; i < 9; i++) await j.openedWithin('email', '1 day');
    });
    await expect(exploreJourney(body)).rejects.toThrow(/journey many-choices: more than 256 paths/);
  });
});
