/**
 * Locales for the API, the configuration, the renderer and the preference center alike: what a
 * valid BCP 47 tag is, and the fallback chain. A customer's tag is tried from the most to the least
 * specific (`ru-RU` → `ru`), then the shop's default locale the same way, then every other locale
 * we have in a fixed order, so words in some language beat none.
 */

/** The canonical form of a BCP 47 tag (`ru-ru` → `ru-RU`), or undefined when it is not one (`ru_RU`). */
export function canonicalLocale(tag: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

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
