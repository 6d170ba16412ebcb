/** Every activity the worker registers, built from its dependencies. */
import type { UnsubscribeUrl } from '../lib/unsubscribe-token';
import type { Db } from '../db/client';
import type { JourneyActivities } from '../workflows/contract';
import type { ChannelRegistry } from './channels';
import { createAudienceActivities } from './audience';
import type { Caps } from '../contactability/caps';
import { createLoadProfile } from './profile';
import { createRunActivities } from './runs';
import { createSend } from './send';
import type { Renderer } from './templates';

export interface ActivityDeps {
  db: Db;
  channels: ChannelRegistry;
  render: Renderer;
  caps: Caps;
  webhookUrl?: string;
  unsubscribeUrl: UnsubscribeUrl;
}

export function createActivities(deps: ActivityDeps): JourneyActivities {
  return {
    send: createSend(deps),
    loadProfile: createLoadProfile(deps.db, deps.webhookUrl),
    ...createRunActivities(deps.db),
    ...createAudienceActivities(deps.db),
  };
}

