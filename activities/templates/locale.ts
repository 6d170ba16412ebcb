/** The locale a template's numbers and dates are written in (the chain itself: lib/locale.ts). */

import { canonicalLocale, truncations } from '../../lib/locale';

/**
 * The locale numbers, money and dates are written in: the customer's own when the template found is
 * in their own chain (`ru-RU` reading the `ru` template still gets `ru-RU` formats), the
 * template's when it is a fallback (an English text with German number formats reads wrong).
 */
export function formattingLocale(customerLocale: string | null | undefined, templateLocale: string): string {
  const own = customerLocale ? canonicalLocale(customerLocale) : undefined;
  return own && truncations(own).includes(templateLocale) ? own : templateLocale;
}
