/**
 * Segment's identify as the customer upsert PUT /v1/customers/:id does (customers/upsert.ts), so
 * the profile rules and the consent rules are the same: an identify cannot re-subscribe someone
 * who unsubscribed. Traits that are profile fields become them; every other trait is an attribute,
 * merged over the stored ones as Segment keeps traits a later identify leaves out.
 */
import { problemOf } from '../lib/http-error';
import type { CustomerInput } from '../customers/upsert';
import { customerBody } from '../schemas/customers';
import type { z } from 'zod';
import type { segmentIdentify } from '../schemas/segment';
import { refusal, type Sources } from './fields';

/** Traits that are profile fields (and so not attributes). */
const PROFILE_TRAITS = new Set(['email', 'phone', 'name', 'birthday', 'consents']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The customer body an identify stands for; a bad trait is a 400 naming it (`traits.email`, `batch[2].context.timezone`). */
export function customerFromIdentify(message: z.infer<typeof segmentIdentify>, at: string): CustomerInput {
  const context = message.context ?? {};
  // RudderStack sends the traits twice, at the top and in context.traits; Segment's spec at the top.
  const traitsAt = message.traits ? 'traits' : 'context.traits';
  const traits = message.traits ?? (isObject(context.traits) ? context.traits : {});
  const input: Record<string, unknown> = {};
  const sources: Sources = { attributes: traitsAt, city: `${traitsAt}.address.city`, locale: 'context.locale', timeZone: 'context.timezone' };
  for (const field of PROFILE_TRAITS) {
    sources[field] = `${traitsAt}.${field}`;
    if (field in traits) input[field] = traits[field];
  }
  if (!('name' in traits) && (typeof traits.firstName === 'string' || typeof traits.lastName === 'string')) {
    input.name = [traits.firstName, traits.lastName].filter((n) => typeof n === 'string' && n.trim()).join(' ');
    sources.name = `${traitsAt}.firstName`;
  }
  // Segment's birthday is a Date, sent as an ISO instant; the profile keeps the calendar date.
  if (typeof input.birthday === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(input.birthday)) input.birthday = input.birthday.slice(0, 10);
  if (isObject(traits.address) && 'city' in traits.address) input.city = traits.address.city;
  if ('locale' in context) input.locale = context.locale;
  if ('timezone' in context) input.timeZone = context.timezone;
  const attributes = Object.fromEntries(Object.entries(traits).filter(([k]) => !PROFILE_TRAITS.has(k)));
  if (Object.keys(attributes).length) input.attributes = attributes;

  const parsed = customerBody.safeParse(input);
  if (!parsed.success) throw refusal(at, sources, problemOf(parsed.error));
  return parsed.data;
}
