/**
 * What the campaign workflow shares with the API and its activities: its input, signals, query and
 * the activities it calls. A leaf like contract.ts, kept apart so the journey vocabulary stays about
 * journeys.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

export interface CampaignInput {
  v: 1;
  campaignId: string;
  /** Started by the campaign's Temporal Schedule: each firing is an occurrence with its own run keys. */
  scheduled?: boolean;
  /**
   * The moment the segment is evaluated at (its windows, "birthday within 2 days"), ISO. Default:
   * a firing's scheduled time, else the moment each page is read.
   */
  asOf?: string;
  /** Carried across continue-as-new. */
  carried?: CampaignCarried;
}

export interface CampaignCarried {
  occurrence?: string;
  asOf?: string;
  /** Runs this execution chain started (the rest of `enrolled` already had theirs). */
  started: number;
  /** The last member id of the last page enrolled (members come in id order); null: from the start. */
  after: string | null;
  total: number;
  enrolled: number;
  skipped: number;
  paused: boolean;
  cancelled: boolean;
  rescan: boolean;
  pageSize: number;
}

export type CampaignState = 'running' | 'paused' | 'done' | 'cancelled';

export interface CampaignProgress {
  campaignId: string;
  occurrence?: string;
  status: CampaignState;
  total: number;
  /** Members who have a run under this campaign's key (started now or by an earlier execution). */
  enrolled: number;
  /** Members passed over: outside the rollout share, or a test recipient who is not a customer. */
  skipped: number;
  /** Of `enrolled`, the runs this firing started (not stored: the row counts members, not starts). */
  started?: number;
  /** Why the campaign ended on its own (stored as `lastError`). */
  error?: string;
}

export interface EnrolPageRequest {
  campaignId: string;
  occurrence?: string;
  asOf?: string;
  after: string | null;
  limit: number;
  /** Go on to the next page while less than this has passed (ms); pause and cancel act after it. */
  budgetMs?: number;
}

export interface EnrolPageResult {
  /** The cursor for the next page, or null when this page was the last. */
  next: string | null;
  enrolled: number;
  skipped: number;
  /** Of `enrolled`, the runs this call started (the rest already existed). */
  started: number;
}

export interface CampaignActivities {
  /** A new pass: status running, counters zero; answers the member count and the page size. */
  beginCampaignPass(req: { campaignId: string; asOf?: string }): Promise<{ total: number; pageSize: number }>;
  enrolPage(req: EnrolPageRequest): Promise<EnrolPageResult>;
  /** The campaigns row's status and counters (db/queries/campaigns.ts owns the row). */
  recordCampaignProgress(req: CampaignProgress & { scheduled?: boolean }): Promise<void>;
}

export const pauseCampaign = defineSignal('pause');
export const resumeCampaign = defineSignal('resume');
export const cancelCampaign = defineSignal('cancel');
/** The campaign changed (a wider rollout, other test recipients): page through the segment again. */
export const rescanCampaign = defineSignal('rescan');
export const campaignProgressQuery = defineQuery<CampaignProgress>('progress');

/** One workflow per campaign; a scheduled campaign's firings get this id plus the scheduled time (Temporal's rule). */
export function campaignWorkflowId(campaignId: string): string {
  return `campaign/${campaignId}`;
}
