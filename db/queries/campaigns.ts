/**
 * The one writer of the `campaigns` table: what was asked for (`saveCampaign`, from the API) and how
 * far it got (`recordCampaignProgress`, from the campaign workflow's activity; `setCampaignStatus`
 * for the moments no firing is running: a schedule paused, resumed or cancelled between firings).
 */
import { asc, eq, sql } from 'drizzle-orm';
import type { CampaignProgress } from '../../workflows/campaign-contract';
import type { Db } from '../client';
import { campaigns, type CampaignStatus } from '../schema';

export type Campaign = typeof campaigns.$inferSelect;
export type CampaignSpec = Pick<typeof campaigns.$inferInsert, 'id' | 'journey' | 'segmentId' | 'ratePerSecond' | 'testRecipients' | 'rolloutPercent' | 'holdoutPercent' | 'schedule'>;

export async function getCampaign(db: Db, id: string): Promise<Campaign | undefined> {
  const [row] = await db.select().from(campaigns).where(eq(campaigns.id, id));
  return row;
}

export async function listCampaigns(db: Db): Promise<Campaign[]> {
  return db.select().from(campaigns).orderBy(asc(campaigns.id));
}

/**
 * Creates the campaign (status scheduled until its workflow runs), or replaces what was asked for
 * and keeps its progress. `created` tells the two apart (Postgres' `xmax = 0` on the upserted row).
 */
export async function saveCampaign(db: Db, spec: CampaignSpec): Promise<{ campaign: Campaign; created: boolean }> {
  const values = {
    ratePerSecond: spec.ratePerSecond ?? null,
    testRecipients: spec.testRecipients ?? null,
    rolloutPercent: spec.rolloutPercent ?? 100,
    holdoutPercent: spec.holdoutPercent ?? 0,
    schedule: spec.schedule ?? null,
  };
  const [row] = await db
    .insert(campaigns)
    .values({ ...spec, ...values, status: 'scheduled' })
    .onConflictDoUpdate({
      target: campaigns.id,
      set: {
        journey: spec.journey,
        segmentId: spec.segmentId,
        ...values,
        // Asked for again after it ended: it waits for its workflow (or next firing) again.
        status: sql`case when ${campaigns.status} in ('done', 'cancelled') then 'scheduled' else ${campaigns.status} end`,
        lastError: null,
        updatedAt: new Date(),
      },
    })
    .returning({ id: campaigns.id, created: sql<boolean>`xmax = 0` });
  return { campaign: (await getCampaign(db, row!.id))!, created: row!.created };
}

/** What a firing of the campaign workflow reports: a new pass, its counters, its end. */
export async function recordCampaignProgress(db: Db, p: CampaignProgress & { scheduled?: boolean; startedPass?: boolean }): Promise<void> {
  const ended = p.status === 'done' || p.status === 'cancelled';
  // Between the firings of a schedule the campaign waits for the next one.
  const status: CampaignStatus = p.status === 'done' && p.scheduled ? 'scheduled' : p.status;
  await db
    .update(campaigns)
    .set({
      status,
      total: p.total,
      enrolled: p.enrolled,
      skipped: p.skipped,
      updatedAt: new Date(),
      ...(p.startedPass ? { startedAt: new Date(), finishedAt: null, lastError: null } : {}),
      ...(ended ? { finishedAt: new Date() } : {}),
      ...(p.error ? { lastError: p.error.slice(0, 2000) } : {}),
    })
    .where(eq(campaigns.id, p.campaignId));
}

export async function setCampaignStatus(db: Db, id: string, status: CampaignStatus): Promise<void> {
  await db
    .update(campaigns)
    .set({ status, updatedAt: new Date(), ...(status === 'cancelled' ? { finishedAt: new Date() } : {}) })
    .where(eq(campaigns.id, id));
}
