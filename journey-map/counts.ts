/**
 * Where a journey's customers are, per step of its graph. `sent`: the ledger's messages of the step
 * that reached the provider (analytics' own `sent`, analytics/scope.ts); `converted`: runs that
 * converted (journey_runs.converted_at) whose last sent message before converting was the step's
 * (the run's messages are those whose idempotency key starts with its workflow and first run id);
 * `waiting`: running runs whose latest step is this one, from Temporal's visibility (the run sets
 * `CascadeStep` at each send: workflows/dsl/primitives/send.ts), so a run counts where it is now
 * even if its message was skipped. Runs that have sent nothing yet count at the start step.
 */
import type { Client } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { readRows } from '../analytics/read';
import { notSent, sentInScope } from '../analytics/scope';
import type { Db } from '../db/client';
import { JourneyAttribute, StepAttribute, type JourneyGraph } from '../workflows/contract';

export interface StepCounts {
  waiting: number;
  sent: number;
  converted: number;
}

const quoted = (value: string) => `"${value.replace(/["\\]/g, '\\$&')}"`;

/** The step ids a node's sends carry in the ledger and in `CascadeStep`: sendFirstAvailable's are `<step>:<channel>`. */
function sendStepsOf(graph: JourneyGraph): Map<string, string[]> {
  return new Map(graph.steps.filter((s) => s.kind === 'send').map((s) => [s.id, s.channels ? s.channels.map((c) => `${s.id}:${c}`) : [s.id]]));
}

async function ledgerCounts(db: Db, journey: string): Promise<{ sent: Map<string, number>; converted: Map<string, number> }> {
  const [sent, converted] = await Promise.all([
    readRows<{ step: string; n: number }>(db, sql`select m.step, count(*)::int as n from messages m where ${sentInScope({ journey })} group by m.step`),
    readRows<{ step: string; n: number }>(
      db,
      sql`select last.step, count(*)::int as n from journey_runs r
        cross join lateral (
          select m.step from messages m
          where m.customer_id = r.customer_id and m.workflow_id = r.workflow_id and m.status <> all(${notSent})
            and starts_with(m.idempotency_key, r.workflow_id || '/' || r.run_id || '/') and m.requested_at <= r.converted_at
          order by m.requested_at desc, m.id desc limit 1
        ) last
        where r.journey = ${journey} and r.converted_at is not null
        group by last.step`,
    ),
  ]);
  const byStep = (rows: Array<{ step: string; n: number }>) => new Map(rows.map((r) => [r.step, Number(r.n)]));
  return { sent: byStep(sent), converted: byStep(converted) };
}

async function waitingCounts(client: Client, journey: string, graph: JourneyGraph, sendSteps: Map<string, string[]>): Promise<Map<string, number>> {
  const running = `${JourneyAttribute.name} = ${quoted(journey)} AND ExecutionStatus = "Running"`;
  const counted = await Promise.all([
    ...[...sendSteps].map(async ([id, steps]) => {
      const { count } = await client.workflow.count(`${running} AND ${StepAttribute.name} IN (${steps.map(quoted).join(', ')})`);
      return [id, count] as const;
    }),
    ...(graph.start ? [client.workflow.count(`${running} AND ${StepAttribute.name} IS NULL`).then(({ count }) => [graph.start!, count] as const)] : []),
  ]);
  const waiting = new Map<string, number>();
  for (const [id, count] of counted) waiting.set(id, (waiting.get(id) ?? 0) + count);
  return waiting;
}

/** Every step of the graph, counted (zeros where nobody is). */
export async function journeyCounts(deps: { db: Db; client: Client }, journey: string, graph: JourneyGraph): Promise<Record<string, StepCounts>> {
  const sendSteps = sendStepsOf(graph);
  const [ledger, waiting] = await Promise.all([ledgerCounts(deps.db, journey), waitingCounts(deps.client, journey, graph, sendSteps)]);
  const sum = (counts: Map<string, number>, steps: string[]) => steps.reduce((n, s) => n + (counts.get(s) ?? 0), 0);
  return Object.fromEntries(
    graph.steps.map((s) => {
      const steps = sendSteps.get(s.id) ?? [];
      return [s.id, { waiting: waiting.get(s.id) ?? 0, sent: sum(ledger.sent, steps), converted: sum(ledger.converted, steps) }];
    }),
  );
}
