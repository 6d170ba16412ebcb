/**
 * Which run a trigger event starts, and whether it can start one at all: the key rule (one run per
 * journey, customer and key value) and the trigger properties each journey declares it reads. The
 * API answers 400 on a problem here before anything is stored; the router treats one as permanent.
 */
import { z } from 'zod';
import type { JourneyEntry, PropertySpec, PropertyType } from '../workflows/dsl/options';
import { journeyWorkflowId } from '../workflows/contract';
import { journeysTriggeredBy } from '../workflows/registry';

export const MAX_KEY_LENGTH = 200;
/**
 * Temporal's SQL stores (Postgres, MySQL) keep a workflow id in a VARCHAR(255), and compose sets
 * `limit.maxIDLength` to match: a longer id would be refused on every retry, so it is refused here.
 */
export const MAX_WORKFLOW_ID_LENGTH = 255;

export type TriggerCheck =
  | { ok: true; key: string | undefined; workflowId: string }
  | { ok: false; field: string; message: string };

// Control and bidi characters in a key would reach workflow ids, the Temporal UI and logs.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]/;

/** The journeys an event triggers, each with its trigger's check: asked once an event. */
export type Trigger = { wf: JourneyEntry; check: TriggerCheck };
export const triggersOf = (event: { id: string; type: string; customerId: string; properties: Record<string, unknown> }): Trigger[] =>
  journeysTriggeredBy(event.type).map((wf) => ({ wf, check: checkTrigger(wf, event.customerId, event) }));

export function checkTrigger(wf: JourneyEntry, customerId: string, event: { id: string; properties: Record<string, unknown> }): TriggerCheck {
  const { options } = wf;
  const keyProp = options.trigger?.key;
  let keyValue: string | undefined;
  if (keyProp) {
    const field = `properties.${keyProp}`;
    const raw = event.properties[keyProp];
    if (raw === undefined || raw === null || raw === '') {
      return { ok: false, field, message: `${field}: required by journey ${options.id} (one run per ${keyProp})` };
    }
    if (typeof raw !== 'string' && !(typeof raw === 'number' && Number.isFinite(raw))) {
      return { ok: false, field, message: `${field}: must be a string or a number` };
    }
    keyValue = String(raw);
    if (keyValue.length > MAX_KEY_LENGTH) return { ok: false, field, message: `${field}: at most ${MAX_KEY_LENGTH} characters` };
    if (UNPRINTABLE.test(keyValue)) return { ok: false, field, message: `${field}: contains control or bidi characters` };
  }
  const spec = options.trigger?.properties;
  if (spec) {
    const parsed = schemaOf(spec).safeParse(event.properties);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = ['properties', ...issue.path.map(String)].join('.');
      return { ok: false, field, message: `${field}: ${issue.message} (journey ${options.id})` };
    }
  }
  const key = options.reentry === 'every-trigger' ? event.id : keyValue;
  const workflowId = journeyWorkflowId(options.id, customerId, key);
  if (workflowId.length > MAX_WORKFLOW_ID_LENGTH) {
    const field = options.reentry === 'every-trigger' ? 'id' : keyProp ? `properties.${keyProp}` : 'customerId';
    return {
      ok: false,
      field,
      message: `${field}: makes the run's workflow id ${workflowId.length} characters long (journey ${options.id}); Temporal keeps at most ${MAX_WORKFLOW_ID_LENGTH}`,
    };
  }
  return { ok: true, key, workflowId };
}

const TYPES: Record<PropertyType, z.ZodType> = {
  string: z.string().trim().min(1).max(256),
  number: z.coerce.number().finite(),
  integer: z.coerce.number().int(),
  boolean: z.boolean(),
  instant: z.iso.datetime({ offset: true }),
  date: z.iso.date(),
  year: z.coerce.number().int().min(1900).max(2200),
};

const schemas = new WeakMap<object, z.ZodType>();

/** The zod schema of a journey's declared trigger properties (others pass through unchecked). */
function schemaOf(spec: Record<string, PropertySpec>): z.ZodType {
  let schema = schemas.get(spec);
  if (!schema) {
    const shape = Object.fromEntries(
      Object.entries(spec).map(([name, type]) => {
        const base = TYPES[type.replace(/\?$/, '') as PropertyType];
        return [name, type.endsWith('?') ? base.optional() : base];
      }),
    );
    schema = z.looseObject(shape);
    schemas.set(spec, schema);
  }
  return schema;
}
