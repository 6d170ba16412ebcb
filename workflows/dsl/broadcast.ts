/**
 * `broadcast`: one journey, one key, a list of customers. Starts each member's run of the journey
 * (workflow id journey/customer/key) and leaves it running on its own, so every member gets the
 * same consent, cap, ledger and exit rules as an event-triggered run, and a member already given
 * this key (a re-run of the broadcast, or a second list) is skipped by the workflow id.
 *
 *   client.workflow.start('broadcast', { args: [{ v: 1, journey: 'quarterly-bonus', key: '2027-Q1', customerIds }] })
 *
 * The list travels in the input for now (ids only, within Temporal's 2 MB payload limit, ~50k ids);
 * a segment query loaded page by page by an activity belongs to the segments work.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { continueAsNew, ParentClosePolicy, startChild, workflowInfo } from '@temporalio/workflow';
import { journeyWorkflowId, workflowTypeOf } from '../contract';
import { CustomerIdAttribute, JourneyAttribute } from '../contract';
import type { JourneyInput } from '../contract';

export interface BroadcastInput {
  v: 1;
  journey: string;
  /** Names the occasion ("2027-Q1", "tyres-2027-spring"): each customer gets one run per key. */
  key: string;
  customerIds: string[];
  /** Passed to each run as its trigger's properties. */
  properties?: Record<string, unknown>;
  /** Carried across continue-as-new. */
  progress?: { next: number; started: number; skipped: number };
}

export interface BroadcastResult {
  started: number;
  skipped: number;
}

/** Starts run in small groups: bounded pending starts, and a history that stays readable. */
const GROUP = 50;

export async function broadcast(input: BroadcastInput): Promise<BroadcastResult> {
  const info = workflowInfo();
  let { next, started, skipped } = input.progress ?? { next: 0, started: 0, skipped: 0 };
  // Runs are labelled like event-started ones when the broadcast itself carries the labels.
  const labelled = info.typedSearchAttributes.get(JourneyAttribute) !== undefined;

  while (next < input.customerIds.length) {
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof broadcast>({ ...input, progress: { next, started, skipped } });
    }
    const group = input.customerIds.slice(next, next + GROUP);
    const results = await Promise.allSettled(group.map((customerId) => startRun(input, customerId, labelled)));
    for (const r of results) {
      if (r.status === 'fulfilled') started += 1;
      else if (r.reason instanceof WorkflowExecutionAlreadyStartedError) skipped += 1;
      else throw r.reason;
    }
    next += group.length;
  }
  return { started, skipped };
}

async function startRun(input: BroadcastInput, customerId: string, labelled: boolean): Promise<void> {
  const { workflowId } = workflowInfo();
  const run: JourneyInput = {
    v: 1,
    customerId,
    key: input.key,
    trigger: {
      id: `${workflowId}/${customerId}`,
      type: 'broadcast',
      properties: { ...input.properties, key: input.key },
      occurredAt: new Date().toISOString(),
    },
  };
  await startChild(workflowTypeOf(input.journey), {
    workflowId: journeyWorkflowId(input.journey, customerId, input.key),
    args: [run],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    ...(labelled
      ? { typedSearchAttributes: [{ key: CustomerIdAttribute, value: customerId }, { key: JourneyAttribute, value: input.journey }] }
      : {}),
  });
}
