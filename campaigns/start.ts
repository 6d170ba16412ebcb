/**
 * The one module that starts and steers campaign workflows: launch after the row is saved (start,
 * re-page a running one, or hand it to its Schedule), and pause, resume, cancel.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { setCampaignStatus, type Campaign } from '../db/queries/campaigns';
import type { CampaignStatus } from '../db/schema';
import {
  campaignWorkflowId,
  cancelCampaign,
  pauseCampaign,
  rescanCampaign,
  resumeCampaign,
  type CampaignInput,
} from '../workflows/campaign-contract';
import type { campaign } from '../workflows/campaign';
import { campaignSchedule, deleteCampaignSchedule, runningFirings, upsertCampaignSchedule } from './schedules';

export interface CampaignDeps {
  db: Db;
  client: Client;
  taskQueue: string;
}

/**
 * The campaign's Schedule as its row says: made or updated for a recurring campaign, removed for a
 * one-off. Called inside the transaction that saves the row, so a spec Temporal refuses (a bad cron
 * line) leaves no row behind.
 */
export async function scheduleCampaign(deps: Pick<CampaignDeps, 'client' | 'taskQueue'>, c: Campaign): Promise<void> {
  if (c.schedule) await upsertCampaignSchedule(deps, { id: c.id, schedule: c.schedule });
  else await deleteCampaignSchedule(deps.client, c.id);
}

/**
 * After the row is committed: a one-off campaign starts or, running, pages through again (a wider
 * rollout); a recurring one's running firing pages through again (its next firings read the row).
 */
export async function launchCampaign(deps: Pick<CampaignDeps, 'client' | 'taskQueue'>, c: Campaign): Promise<void> {
  if (c.schedule) {
    await signalAll(deps.client, await runningFirings(deps.client, c.id), rescanCampaign);
    return;
  }
  await deps.client.workflow.signalWithStart<typeof campaign, []>('campaign', {
    workflowId: campaignWorkflowId(c.id),
    taskQueue: deps.taskQueue,
    args: [{ v: 1, campaignId: c.id } satisfies CampaignInput],
    signal: rescanCampaign,
    signalArgs: [],
  });
}

export type CampaignAction = 'pause' | 'resume' | 'cancel';

const ALLOWED: Record<CampaignAction, CampaignStatus[]> = {
  pause: ['scheduled', 'running'],
  resume: ['paused'],
  cancel: ['scheduled', 'running', 'paused'],
};

/** The status the action leads to, or why it cannot be taken now. */
export async function steerCampaign(deps: CampaignDeps, c: Campaign, action: CampaignAction): Promise<{ ok: true; status: CampaignStatus } | { ok: false; reason: string }> {
  if (!ALLOWED[action].includes(c.status)) return { ok: false, reason: `a ${c.status} campaign cannot ${action}` };
  const firings = c.schedule ? await runningFirings(deps.client, c.id) : [campaignWorkflowId(c.id)];
  if (c.schedule) {
    const schedule = campaignSchedule(deps.client, c.id);
    if (action === 'pause') await schedule.pause('paused through the API');
    if (action === 'resume') await schedule.unpause('resumed through the API');
    if (action === 'cancel') await deleteCampaignSchedule(deps.client, c.id);
  }
  const signal = { pause: pauseCampaign, resume: resumeCampaign, cancel: cancelCampaign }[action];
  const reached = await signalAll(deps.client, firings, signal);
  // A one-off campaign's workflow ended a moment ago: its row will say so, nothing to steer.
  if (!c.schedule && reached === 0) return { ok: false, reason: `campaign ${c.id} has no running workflow (it has just ended)` };
  const status: CampaignStatus =
    action === 'pause' ? 'paused' : action === 'cancel' ? 'cancelled' : reached > 0 || !c.schedule ? 'running' : 'scheduled';
  // The workflow records the same when it acts; this makes the answer and the next GET say it at once.
  await setCampaignStatus(deps.db, c.id, status);
  return { ok: true, status };
}

async function signalAll(client: Client, workflowIds: string[], signal: Parameters<ReturnType<Client['workflow']['getHandle']>['signal']>[0]): Promise<number> {
  let reached = 0;
  for (const id of workflowIds) {
    try {
      await client.workflow.getHandle(id).signal(signal);
      reached += 1;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  return reached;
}
