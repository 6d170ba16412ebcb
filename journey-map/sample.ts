/**
 * The customer and trigger a dry run hands a journey body: every profile field set, and the
 * trigger's declared properties (`trigger.properties`, the same declaration the API checks) given a
 * plausible value of their type, instants and dates in the future, so the body takes its main road
 * and a data-dependent early return ("appointment already passed") is not taken.
 */
import { channels, type JourneyEvent, type Profile } from '../workflows/contract';
import type { JourneyOptions, PropertyType } from '../workflows/dsl/options';

const DAY = 86_400_000;

export function sampleProfile(now: number): Profile {
  return {
    id: 'dry-run',
    name: 'Sample Customer',
    city: 'Moscow',
    timeZone: 'Europe/Moscow',
    birthday: '1990-06-15',
    attributes: {},
    reachable: [...channels],
    orderCount: 1,
    lastOrderAt: new Date(now - 30 * DAY).toISOString(),
  };
}

function sampleValue(type: PropertyType, now: number): string | number | boolean {
  const ahead = new Date(now + 30 * DAY);
  switch (type) {
    case 'string':
      return 'sample';
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'instant':
      return ahead.toISOString();
    case 'date':
      return ahead.toISOString().slice(0, 10);
    case 'year':
      return ahead.getUTCFullYear() + 1;
  }
}

export function sampleTrigger(options: JourneyOptions, now: number): { trigger: JourneyEvent | undefined; key: string | undefined } {
  const declared = options.trigger;
  if (!declared) return { trigger: undefined, key: undefined };
  const properties: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(declared.properties ?? {})) properties[name] = sampleValue(spec.replace(/\?$/, '') as PropertyType, now);
  if (declared.key && !(declared.key in properties)) properties[declared.key] = 'sample';
  const trigger: JourneyEvent = { v: 1, id: 'dry-run', type: declared.event, properties, occurredAt: new Date(now).toISOString() };
  return { trigger, key: declared.key ? String(properties[declared.key]) : undefined };
}
