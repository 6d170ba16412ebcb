/**
 * Which locale's template a customer gets. Templates live in `templates/<locale>/`; a customer's
 * BCP 47 tag is tried from the most to the least specific (`ru-RU` → `ru`), then the shop's default
 * locale the same way, then every other shipped locale in a fixed order, so a message in some
 * language beats no message.
 */

import { canonicalLocale } from '../../lib/locale';

/** `ru-Latn-RU` → `ru-Latn-RU`, `ru-Latn`, `ru`: BCP 47 lookup truncation (RFC 4647 §3.4). */
export function truncations(tag: string): string[] {
  const parts = tag.split('-');
  const out: string[] = [];
  for (let n = parts.length; n > 0; n--) {
    // A single-letter subtag (an extension or `x-` private use) never ends a lookup range.
    if (parts[n - 1]!.length === 1) continue;
    out.push(parts.slice(0, n).join('-'));
  }
  return out;
}

/** Every locale to try, in order, for a customer's tag (null: none given). */
export function localeChain(customerLocale: string | null | undefined, defaultLocale: string, shipped: readonly string[]): string[] {
  const own = customerLocale ? canonicalLocale(customerLocale) : undefined;
  const chain = [...(own ? truncations(own) : []), ...truncations(defaultLocale), ...[...shipped].sort()];
  return [...new Set(chain)];
}

/**
 * The locale numbers, money and dates are written in: the customer's own when the template found is
 * in their own chain (`ru-RU` reading the `ru` template still gets `ru-RU` formats), the
 * template's when it is a fallback (an English text with German number formats reads wrong).
 */
export function formattingLocale(customerLocale: string | null | undefined, templateLocale: string): string {
  const own = customerLocale ? canonicalLocale(customerLocale) : undefined;
  return own && truncations(own).includes(templateLocale) ? own : templateLocale;
}
