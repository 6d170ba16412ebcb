/**
 * Journeys that name their audience (`audience` in their options) are enrolled by a built-in
 * campaign, `audience:<journey>`, on the journey's schedule, with a segment of the same id holding
 * the declared predicate: one enrolment path for every campaign. `ensureJourneyAudiences` makes the
 * rows and Schedules match the code; the API runs it at start-up (idempotent).
 */
import type { Campaign } from '../db/queries/campaigns';
import { getCampaign, saveCampaign } from '../db/queries/campaigns';
import { upsertSegment } from '../db/queries/segments';
import { allJourneys, journeyById } from '../workflows/registry';
import type { KeyRule } from './run-keys';
import { upsertCampaignSchedule } from './schedules';
import type { CampaignDeps } from './start';

export function audienceCampaignId(journeyId: string): string {
  return `audience:${journeyId}`;
}

/** How a campaign names its members' runs: by the journey's occasion for its own audience, else by the campaign. */
export function keyRuleOf(c: Pick<Campaign, 'id' | 'journey'>): KeyRule {
  const audience = journeyById(c.journey)?.options.audience;
  return audience && c.id === audienceCampaignId(c.journey) ? audience.key : 'campaign';
}

/** Creates or updates each audience's segment, campaign row and Schedule; answers the campaign ids. */
export async function ensureJourneyAudiences(deps: CampaignDeps): Promise<string[]> {
  const ids: string[] = [];
  for (const wf of allJourneys) {
    const audience = wf.options.audience;
    if (!audience) continue;
    const id = audienceCampaignId(wf.options.id);
    await upsertSegment(deps.db, { id, name: `Audience of the ${wf.options.id} journey`, where: audience.where });
    ids.push(id);
    // A cancelled audience stays off (an operator's decision); a paused one stays paused (its
    // Schedule keeps its state), with the predicate and schedule the code says.
    if ((await getCampaign(deps.db, id))?.status === 'cancelled') continue;
    const schedule = 'cron' in audience.schedule ? { cron: audience.schedule.cron } : { every: audience.schedule.every };
    await saveCampaign(deps.db, { id, journey: wf.options.id, segmentId: id, schedule });
    await upsertCampaignSchedule(deps, { id, schedule });
  }
  return ids;
}
