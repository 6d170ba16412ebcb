/**
 * A recurring campaign is a Temporal Schedule (id `campaign/<id>`) whose every firing starts the
 * campaign workflow as an occurrence of its own: runs are keyed by the firing, so each firing enrols
 * each member once. Overlapping firings are skipped (a slow pass is not doubled).
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleSpec } from '@temporalio/client';
import type { Campaign } from '../db/queries/campaigns';
import { campaignWorkflowId, type CampaignInput } from '../workflows/campaign-contract';
import type { campaign } from '../workflows/campaign';

export interface CampaignSchedule {
  cron?: string;
  every?: string;
  timeZone?: string;
}

export function specOf(s: CampaignSchedule): ScheduleSpec {
  return {
    ...(s.cron ? { cronExpressions: [s.cron] } : {}),
    ...(s.every ? { intervals: [{ every: s.every as `${number} days` }] } : {}),
    ...(s.timeZone ? { timezone: s.timeZone } : {}),
  };
}

const scheduleIdOf = campaignWorkflowId;

/** Creates the campaign's Schedule, or gives the existing one this spec (and unpauses nothing). */
export async function upsertCampaignSchedule(deps: { client: Client; taskQueue: string }, c: Pick<Campaign, 'id'> & { schedule: CampaignSchedule }): Promise<void> {
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'campaign',
    workflowId: campaignWorkflowId(c.id),
    taskQueue: deps.taskQueue,
    args: [{ v: 1, campaignId: c.id, scheduled: true } satisfies CampaignInput] as [CampaignInput],
  };
  const spec = specOf(c.schedule);
  try {
    await deps.client.schedule.create<typeof campaign>({
      scheduleId: scheduleIdOf(c.id),
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await deps.client.schedule.getHandle(scheduleIdOf(c.id)).update<typeof campaign>((prev) => ({ ...prev, spec, action }));
  }
}

export async function deleteCampaignSchedule(client: Client, campaignId: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(scheduleIdOf(campaignId)).delete();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

export function campaignSchedule(client: Client, campaignId: string) {
  return client.schedule.getHandle(scheduleIdOf(campaignId));
}

/** The workflow ids of the firings running now. */
export async function runningFirings(client: Client, campaignId: string): Promise<string[]> {
  try {
    const d = await campaignSchedule(client, campaignId).describe();
    return d.info.runningActions.map((a) => a.workflow.workflowId);
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return [];
    throw err;
  }
}
