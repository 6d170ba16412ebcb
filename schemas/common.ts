/**
 * What every request schema shares: text Postgres can store as sent, bounded JSON objects, ids, and
 * the one error shape. A NUL byte is refused by Postgres text and jsonb (a 500 if it got that far)
 * and a lone surrogate would be stored altered, so both are refused here with a 400 naming the field.
 */
import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';

const NUL = /\u0000/;
// With the u flag a surrogate pair is one code point: only a lone half matches.
const LONE_SURROGATE = /\p{Cs}/u;

function textProblem(s: string): string | undefined {
  if (NUL.test(s)) return 'must not contain NUL (\\u0000) characters';
  if (LONE_SURROGATE.test(s)) return 'must not contain lone UTF-16 surrogates';
  return undefined;
}

/** A string Postgres stores byte-identical; further checks chain after it. */
export const text = () =>
  z.string().superRefine((s, ctx) => {
    const problem = textProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, abort: true });
  });

/**
 * Postgres has no year 0 and JavaScript dates reach years it refuses, so instants and dates start
 * in 1900 (a year-0000 value was a 500).
 */
const EARLIEST = Date.UTC(1900, 0, 1);
export const instant = () =>
  z.iso.datetime({ offset: true }).refine((s) => Date.parse(s) >= EARLIEST, 'must be in 1900 or later');
export const calendarDate = () => z.iso.date().refine((s) => Date.parse(s) >= EARLIEST, 'must be in 1900 or later');

/**
 * A span of time as journeys write it ("90 days", "12 hours", "2 weeks"), read by the same parser
 * the DSL's sleeps and windows use (`msToNumber`, the `ms` package): zero or more, with a unit
 * ("0 days" is a birthday today).
 */
export const duration = () =>
  text()
    .max(50)
    .refine((s) => {
      if (!/[a-z]/i.test(s)) return false; // "90" alone would be 90 milliseconds
      try {
        const ms = msToNumber(s);
        return Number.isFinite(ms) && ms >= 0;
      } catch {
        return false;
      }
    }, 'a duration with a unit, e.g. "90 days", "12 hours", "2 weeks"')
    .meta({ description: 'e.g. "90 days", "12 hours", "2 weeks"' });

export const customerIdSchema = text()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'letters, digits and . _ : @ - only');

/**
 * A caller's free-form JSON object (event properties, customer attributes), kept for months and
 * sent on to runs: at most `maxBytes` of JSON, `maxDepth` levels, finite numbers, storable text in
 * keys and values. Issues name the offending path.
 */
export function jsonObject(opts: { maxBytes: number; maxDepth: number }) {
  return z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    const problem = findProblem(value, [], opts.maxDepth);
    if (problem) {
      ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
      return;
    }
    if (JSON.stringify(value).length > opts.maxBytes) ctx.addIssue({ code: 'custom', message: `at most ${opts.maxBytes / 1024} KiB of JSON` });
  });
}

function findProblem(value: unknown, path: string[], depthLeft: number): { path: string[]; message: string } | undefined {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? { path, message: problem } : undefined;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { path, message: 'numbers must be finite' };
  if (value === null || typeof value !== 'object') return undefined;
  if (depthLeft <= 0) return { path, message: 'nested too deeply' };
  for (const [key, inner] of Object.entries(value)) {
    const keyProblem = textProblem(key);
    if (keyProblem) return { path, message: `keys ${keyProblem}` };
    const found = findProblem(inner, [...path, key], depthLeft - 1);
    if (found) return found;
  }
  return undefined;
}

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable, machine-readable: invalid_request, invalid_json, body_too_large, not_found, conflict…' }),
      message: z.string(),
      field: z.string().optional().meta({ description: 'The request field to blame, dotted (properties.cartId); in a batch result, within the item' }),
    }),
  })
  .meta({ description: 'Every error answer' });
