/**
 * Stable assignment of a customer to a share: A/B variants (`j.variant`), holdouts (a journey's
 * `holdout` option, a campaign's `holdoutPercent`) and a campaign's rollout share. Pure JavaScript, no crypto and no randomness, so
 * a workflow computes the same answer on replay, after continue-as-new, in a second run of the same
 * customer, and outside the sandbox (the campaign activity) as inside it.
 */

/** FNV-1a over the UTF-16 units, then murmur3's finaliser so close ids ("c-1", "c-2") spread evenly. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A point in [0, 1) fixed by the parts (scope, experiment, customer id). */
export function stablePoint(...parts: string[]): number {
  return hash32(parts.join('\u0000')) / 2 ** 32;
}

/** Variants as a list (equal shares) or as weights (`{ a: 90, b: 10 }`); the chosen one for this point. */
export function pickVariant<V extends string>(variants: readonly V[] | Readonly<Record<V, number>>, point: number): V {
  const entries: Array<[V, number]> = Array.isArray(variants)
    ? (variants as readonly V[]).map((v) => [v, 1])
    : (Object.entries(variants) as Array<[V, number]>);
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let edge = 0;
  for (const [variant, weight] of entries) {
    edge += weight / total;
    if (point < edge) return variant;
  }
  return entries[entries.length - 1]![0];
}

/** Why these variants cannot be split between, or null. */
export function variantsProblem(experiment: string, variants: readonly string[] | Readonly<Record<string, number>>): string | null {
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(experiment)) return `experiment "${experiment}" must be kebab-case (a-z, 0-9, -)`;
  const entries = Array.isArray(variants) ? (variants as readonly string[]).map((v) => [v, 1] as const) : Object.entries(variants);
  if (entries.length < 2) return `experiment ${experiment} needs at least two variants`;
  if (new Set(entries.map(([v]) => v)).size !== entries.length) return `experiment ${experiment} names a variant twice`;
  if (entries.some(([v, w]) => !v || !(Number.isFinite(w) && w > 0))) return `experiment ${experiment}: each variant needs a name and a positive weight`;
  return null;
}

/** Is this customer in the held-out `percent` of `scope` (a journey id, or `campaign:<id>`)? */
export function inHoldout(scope: string, customerId: string, percent: number): boolean {
  if (percent <= 0) return false;
  return stablePoint(scope, 'holdout', customerId) * 100 < percent;
}

/**
 * Is this customer in the first `percent` of a rollout (`scope`: `campaign:<id>`, or `journey:<id>`
 * for an event-triggered journey's)? The same answer every time, so widening 30% to 100% keeps the
 * first 30% and adds the rest; independent of the holdout's split.
 */
export function inRollout(scope: string, customerId: string, percent: number): boolean {
  if (percent >= 100) return true;
  return stablePoint(scope, 'rollout', customerId) * 100 < percent;
}
