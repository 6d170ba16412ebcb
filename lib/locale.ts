/** What a valid locale is, for the API, the configuration and the renderer alike: a BCP 47 tag. */

/** The canonical form of a BCP 47 tag (`ru-ru` → `ru-RU`), or undefined when it is not one (`ru_RU`). */
export function canonicalLocale(tag: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}
