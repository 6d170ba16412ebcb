/**
 * `campaign`: a journey for every member of a segment. Pages through the segment by an activity
 * (never a member list in the input), starts each member's run at the campaign's rate, continues-as-new
 * between pages when the history grows, and answers `progress`. Runs are named journey/customer/key
 * with the campaign as key, so however often the campaign is restarted or widened nobody gets two.
 *
 * Pause and cancel take effect between enrolPage calls (a few seconds: PAGE_BUDGET_MS and one page);
 * `rescan` pages through again from the start (a wider rollout, other test recipients).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { ActivityFailure, allHandlersFinished, ApplicationFailure, condition, continueAsNew, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  cancelCampaign,
  campaignProgressQuery,
  pauseCampaign,
  rescanCampaign,
  resumeCampaign,
  type CampaignActivities,
  type CampaignCarried,
  type CampaignInput,
  type CampaignProgress,
} from './campaign-contract';

const { beginCampaignPass, recordCampaignProgress } = proxyActivities<CampaignActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
// A page paces its starts and heartbeats; a retried page starts nobody twice (run ids are keyed).
const { enrolPage } = proxyActivities<CampaignActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Set by Temporal on every workflow a Schedule starts. */
const ScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** When a Schedule meant this firing to start. */
function scheduledAt(input: CampaignInput): Date | undefined {
  if (!input.scheduled) return undefined;
  const info = workflowInfo();
  return new Date(info.typedSearchAttributes.get(ScheduledStartTime) ?? info.startTime);
}

/** How long one enrolPage call goes on paging: pause and cancel take effect within about this. */
const PAGE_BUDGET_MS = 3_000;

/** Pages per execution before a fresh history, besides whenever Temporal suggests one. */
const PAGES_PER_RUN = 100;

export async function campaign(input: CampaignInput): Promise<CampaignProgress> {
  const { campaignId } = input;
  const firing = scheduledAt(input);
  const state: CampaignCarried = input.carried ?? {
    // A firing's name in run keys: the scheduled minute, UTC (`2027-01-01T09:00Z`).
    occurrence: firing && `${firing.toISOString().slice(0, 16)}Z`,
    asOf: input.asOf ?? firing?.toISOString(),
    started: 0,
    after: null,
    total: 0,
    enrolled: 0,
    skipped: 0,
    paused: false,
    cancelled: false,
    rescan: true,
    pageSize: 0,
  };
  let finished = false;
  /** Why the campaign stopped on its own (its journey is gone from the code). */
  let error: string | undefined;
  const status = (): CampaignProgress['status'] => (state.cancelled ? 'cancelled' : finished ? 'done' : state.paused ? 'paused' : 'running');
  const progress = (): CampaignProgress => ({
    campaignId,
    ...(state.occurrence ? { occurrence: state.occurrence } : {}),
    status: status(),
    total: state.total,
    enrolled: state.enrolled,
    skipped: state.skipped,
    started: state.started,
    ...(error ? { error } : {}),
  });
  const record = (p: CampaignProgress) => recordCampaignProgress({ ...p, ...(input.scheduled ? { scheduled: true } : {}) });

  setHandler(pauseCampaign, () => void (state.paused = true));
  setHandler(resumeCampaign, () => void (state.paused = false));
  setHandler(cancelCampaign, () => void (state.cancelled = true));
  setHandler(rescanCampaign, () => void (state.rescan = true));
  setHandler(campaignProgressQuery, progress);

  let pages = 0;
  for (;;) {
    for (;;) {
      if (state.cancelled) break;
      if (state.paused) {
        await record(progress());
        await condition(() => !state.paused || state.cancelled);
        continue;
      }
      if (state.rescan) {
        state.rescan = false;
        const pass = await beginCampaignPass({ campaignId, asOf: state.asOf });
        Object.assign(state, { after: null, total: pass.total, enrolled: 0, skipped: 0, pageSize: pass.pageSize });
      }
      let page;
      try {
        page = await enrolPage({ campaignId, occurrence: state.occurrence, asOf: state.asOf, after: state.after, limit: state.pageSize, budgetMs: PAGE_BUDGET_MS });
      } catch (err) {
        // A page that can never work ends the campaign, saying why; anything else fails the workflow.
        if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable)) throw err;
        error = err.cause.message;
        state.cancelled = true;
        break;
      }
      state.enrolled += page.enrolled;
      state.started += page.started;
      state.skipped += page.skipped;
      state.after = page.next;
      pages += 1;
      if (page.next === null && !state.rescan) break;
      await record(progress());
      if (workflowInfo().continueAsNewSuggested || pages >= PAGES_PER_RUN) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof campaign>({ ...input, carried: state });
      }
    }
    finished = true;
    await record(progress());
    // A rescan that came while the last progress was being recorded (a wider rollout posted the
    // moment the row said done) reached this run, not a new one: it starts another pass here.
    if (!state.rescan || state.cancelled || !patched('rescan-after-done')) break;
    finished = false;
  }
  return progress();
}
