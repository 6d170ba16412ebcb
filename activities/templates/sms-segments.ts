/**
 * What an SMS costs: how many parts (segments) the operator bills for a text. 3GPP TS 23.038: a
 * text written only in the GSM 7-bit default alphabet (plus its extension table, where each
 * character takes an escape and so two septets) fits 160 septets in one part and 153 per part when
 * split (the rest of each part is the concatenation header). Any other character, a single Cyrillic
 * letter or an emoji, sends the whole text as UCS-2: 70 UTF-16 code units in one part, 67 per
 * part; a character outside the BMP (most emoji) is a surrogate pair and takes two.
 *
 * Splitting never cuts an escape pair or a surrogate pair in two: a character that does not fit
 * whole in what is left of a part starts the next one, as operators (and SMSC.ru) split.
 */

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const basic = new Set(GSM7_BASIC);
const extension = new Set(GSM7_EXTENSION);

export type SmsEncoding = 'gsm7' | 'ucs2';

export interface SmsCost {
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes. */
  units: number;
  segments: number;
}

const LIMITS: Record<SmsEncoding, { single: number; part: number }> = {
  gsm7: { single: 160, part: 153 },
  ucs2: { single: 70, part: 67 },
};

/** The units each character of `text` takes in `encoding`, character by character (code points). */
function unitsPerChar(text: string, encoding: SmsEncoding): number[] {
  return Array.from(text, (ch) => (encoding === 'gsm7' ? (extension.has(ch) ? 2 : 1) : ch.length));
}

export function isGsm7(text: string): boolean {
  for (const ch of text) if (!basic.has(ch) && !extension.has(ch)) return false;
  return true;
}

export function smsCost(text: string): SmsCost {
  const encoding: SmsEncoding = isGsm7(text) ? 'gsm7' : 'ucs2';
  const sizes = unitsPerChar(text, encoding);
  const units = sizes.reduce((a, b) => a + b, 0);
  const { single, part } = LIMITS[encoding];
  if (units === 0) return { encoding, units, segments: 0 };
  if (units <= single) return { encoding, units, segments: 1 };
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > part) {
      segments++;
      used = 0;
    }
    used += size;
  }
  return { encoding, units, segments };
}
