/**
 * Characters a reader cannot see but a renderer obeys: ASCII and C1 control characters, and the
 * Unicode bidi controls that reorder text ("Trojan Source", CVE-2021-42574) so a name or a link
 * can read as something it is not. Customer data never needs them.
 */

const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
const CONTROLS_AND_BREAKS = /[\u0000-\u001F\u007F-\u009F]/g;
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** Removes hidden characters; `\n` and `\t` stay unless `singleLine`, which turns them into spaces. */
export function stripHidden(text: string, { singleLine = false } = {}): string {
  const cleaned = text.replace(BIDI, '');
  return singleLine ? cleaned.replace(/[\t\n]/g, ' ').replace(CONTROLS_AND_BREAKS, '') : cleaned.replace(CONTROLS, '');
}

/** `stripHidden` on every string inside plain objects and arrays; dates, numbers and the rest pass as they are. */
export function stripHiddenDeep<T>(value: T): T {
  if (typeof value === 'string') return stripHidden(value) as T;
  if (Array.isArray(value)) return value.map(stripHiddenDeep) as T;
  if (value && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stripHiddenDeep(v)])) as T;
  }
  return value;
}
