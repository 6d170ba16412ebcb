/**
 * The campaign workflow's side effects: a pass's start (count the members), one page of enrolment
 * (read the page, apply the rollout share, start each member's run at the campaign's rate), and the
 * campaigns row's progress. A page heartbeats as it goes, so a stuck worker is noticed in 30 s and
 * the page retried elsewhere.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { JourneyEntry } from '../workflows/dsl/options';
import { ApplicationFailure } from '@temporalio/common';
import { keyRuleOf } from '../campaigns/journey-audiences';
import { countTargets, targetsPage, testMode } from '../campaigns/members';
import { campaignKey, runKeysOf } from '../campaigns/run-keys';
import type { Db } from '../db/client';
import { getCampaign, recordCampaignProgress, type Campaign } from '../db/queries/campaigns';
import { workflowIdsWithRuns } from '../db/queries/runs';
import { enrolRun } from '../lifecycle/runs';
import type { CampaignActivities, EnrolPageRequest, EnrolPageResult } from '../workflows/campaign-contract';
import { inHoldout, inRollout } from '../workflows/bucket';
import { journeyWorkflowId } from '../workflows/contract';
import { journeyById } from '../workflows/registry';

/** Starts in flight at once. */
const CONCURRENCY = 50;
/** The largest page; a rate-limited page lasts about 2 s, so pause and cancel act within that. */
const PAGE = 500;

export function pageSizeFor(c: Pick<Campaign, 'ratePerSecond'>): number {
  return c.ratePerSecond ? Math.max(1, Math.min(PAGE, c.ratePerSecond * 2)) : PAGE;
}

export function createCampaignActivities(deps: { db: Db; client?: Client }): CampaignActivities {
  const { db } = deps;
  const campaignOf = async (id: string): Promise<Campaign> => {
    const c = await getCampaign(db, id);
    // Retried: a firing can come a moment before the transaction that saved its row commits.
    if (!c) throw new Error(`campaign ${id} does not exist`);
    return c;
  };

  /** One page: read it, keep the rollout share, start whoever has no run yet. */
  async function enrolOnePage(client: Client, c: Campaign, wf: JourneyEntry, req: EnrolPageRequest): Promise<EnrolPageResult> {
    const ctx = Context.current();
    const now = req.asOf ? new Date(req.asOf) : new Date();
    const page = await targetsPage(db, c, { after: req.after, limit: req.limit, now: req.asOf ? now : undefined });
    const test = testMode(c);
    const inShare = test ? page.ids : page.ids.filter((id) => inRollout(`campaign:${c.id}`, id, c.rolloutPercent));
    const keys = await runKeysOf(db, keyRuleOf(c), inShare, campaignKey(c.id, req.occurrence, test), now.getTime());
    const keyed = inShare.filter((id) => keys.has(id));
    const skipped = page.missing + page.ids.length - keyed.length;
    // Runs recorded before are not asked of Temporal again: it forgets workflow ids after the
    // namespace's retention, journey_runs does not. (A run started but not yet recorded is
    // refused by Temporal's REJECT_DUPLICATE instead.)
    const idOf = (customerId: string) => journeyWorkflowId(wf.options.id, customerId, keys.get(customerId));
    const recorded = await workflowIdsWithRuns(db, keyed.map(idOf));
    const todo = keyed.filter((id) => !recorded.has(idOf(id)));

    // A retried attempt finds the runs the last one started recorded, or refused by Temporal as
    // duplicates: counted enrolled either way, never started twice.
    const pos = { done: 0, started: 0 };
    const rate = c.ratePerSecond ?? undefined;
    const t0 = Date.now();
    const lifecycle = { client, taskQueue: ctx.info.taskQueue };
    const enrol = (customerId: string) => {
      const key = keys.get(customerId)!;
      return enrolRun(lifecycle, wf, {
        customerId,
        key,
        workflowId: idOf(customerId),
        trigger: {
          v: 1,
          id: `campaign:${c.id}/${key}/${customerId}`,
          type: 'campaign',
          properties: { campaignId: c.id, ...(req.occurrence ? { occurrence: req.occurrence } : {}) },
          occurredAt: new Date().toISOString(),
        },
        // Test recipients are there to see the message: never held out.
        holdout: !test && inHoldout(`campaign:${c.id}`, customerId, c.holdoutPercent),
      });
    };
    // A pool of CONCURRENCY starts in flight; with a rate, the i-th start waits for its slot.
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, todo.length) }, async () => {
        while (next < todo.length) {
          const i = next++;
          if (rate) await ctx.sleep(Math.max(0, t0 + (i * 1000) / rate - Date.now()));
          if ((await enrol(todo[i]!)) === 'started') pos.started += 1;
          pos.done += 1;
          ctx.heartbeat(pos);
        }
      }),
    );
    return { next: page.next, enrolled: recorded.size + todo.length, skipped, started: pos.started };
  }

  return {
    async beginCampaignPass({ campaignId, asOf }) {
      const c = await campaignOf(campaignId);
      const total = await countTargets(db, c, asOf ? new Date(asOf) : undefined);
      await recordCampaignProgress(db, { campaignId, status: 'running', total, enrolled: 0, skipped: 0, startedPass: true });
      return { total, pageSize: pageSizeFor(c) };
    },

    async enrolPage(req: EnrolPageRequest): Promise<EnrolPageResult> {
      if (!deps.client) throw new Error('campaign activities need a Temporal client (ActivityDeps.client)');
      const c = await campaignOf(req.campaignId);
      const wf = journeyById(c.journey);
      if (!wf) throw ApplicationFailure.nonRetryable(`campaign ${c.id}: journey ${c.journey} does not exist`, 'JourneyGone');
      // Pages follow each other here while the budget lasts: between activities the campaign's next
      // task would queue behind the tasks of every run it just started.
      const began = Date.now();
      const sum: EnrolPageResult = { next: req.after, enrolled: 0, skipped: 0, started: 0 };
      for (;;) {
        const page = await enrolOnePage(deps.client, c, wf, { ...req, after: sum.next });
        Object.assign(sum, { next: page.next, enrolled: sum.enrolled + page.enrolled, skipped: sum.skipped + page.skipped, started: sum.started + page.started });
        if (page.next === null || Date.now() - began >= (req.budgetMs ?? 0)) return sum;
      }
    },

    async recordCampaignProgress(p) {
      await recordCampaignProgress(db, p);
    },
  };
}
