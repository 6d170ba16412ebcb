/** Every activity the worker registers, built from its dependencies. */
import type { Client } from '@temporalio/client';
import type { UnsubscribeUrl } from '../lib/unsubscribe-token';
import type { ApiMessageActivities } from '../workflows/api-message-contract';
import type { CampaignActivities } from '../workflows/campaign-contract';
import type { Db } from '../db/client';
import type { JourneyActivities } from '../workflows/contract';
import type { ChannelRegistry } from './channels';
import { createAudienceActivities } from './audience';
import { createCampaignActivities } from './campaigns';
import type { Caps } from '../contactability/caps';
import { createBeginRun } from './begin-run';
import { createDecideSend } from './decide-send';
import { createLoadProfile } from './profile';
import { createRunActivities } from './runs';
import { createSend } from './send';
import type { Renderer } from './templates';

export interface ActivityDeps {
  db: Db;
  channels: ChannelRegistry;
  render: Renderer;
  caps: Caps;
  /** CASCADE_SUNSET_DAYS (contactability/sunset.ts); 0 or unset: off. */
  sunsetDays?: number;
  webhookUrl?: string;
  unsubscribeUrl: UnsubscribeUrl;
  /** Campaigns start their members' runs with it; the worker builds one on its connection. */
  client?: Client;
}

export function createActivities(deps: ActivityDeps): JourneyActivities & CampaignActivities & ApiMessageActivities {
  const loadProfile = createLoadProfile(deps.db, deps.webhookUrl);
  const runs = createRunActivities(deps.db);
  return {
    send: createSend(deps),
    decideSend: createDecideSend(deps),
    loadProfile,
    ...runs,
    beginRun: createBeginRun(deps.db, deps.webhookUrl),
    ...createAudienceActivities(deps.db),
    ...createCampaignActivities(deps),
  };
}

