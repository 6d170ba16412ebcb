/**
 * What the template routes need besides the database: the renderer and the channel adapters, built
 * from the same settings the worker builds its own from (worker.ts `activityDepsFromConfig`), so a
 * preview renders and a test copy travels as a journey's message would.
 */
import { channelsFromEnv, type ChannelRegistry } from '../activities/channels';
import { createRenderer, type Renderer } from '../activities/templates';
import type { Db } from '../db/client';
import type { Config } from '../lib/config';

export interface TemplateTools {
  render: Renderer;
  channels: ChannelRegistry;
}

export function templateToolsFromConfig(db: Db, config: Config, env: NodeJS.ProcessEnv = process.env): TemplateTools {
  return {
    render: createRenderer(undefined, { defaultLocale: config.CASCADE_DEFAULT_LOCALE, smsMaxSegments: config.CASCADE_SMS_MAX_SEGMENTS }),
    channels: channelsFromEnv(env, db),
  };
}

/** Without settings (tests that do not look at templates): the default locale, and the outbox on every channel. */
export const defaultTemplateTools = (): TemplateTools => ({ render: createRenderer(), channels: channelsFromEnv({}) });
