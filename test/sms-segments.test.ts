/**
 * What an SMS costs, at every boundary an operator bills by: GSM-7 160 in one part, 153 per part
 * after; UCS-2 (any character outside GSM-7) 70, then 67; extension characters take two septets,
 * a surrogate pair two code units, and neither is cut in half between two parts.
 */
import { describe, expect, it } from 'vitest';
import { smsCost } from '../activities/templates/sms-segments';

const a = (n: number) => 'a'.repeat(n);
const ya = (n: number) => 'я'.repeat(n);

const cases: Array<[label: string, text: string, encoding: 'gsm7' | 'ucs2', units: number, segments: number]> = [
  ['empty', '', 'gsm7', 0, 0],
  ['GSM 1', a(1), 'gsm7', 1, 1],
  ['GSM 160: one part', a(160), 'gsm7', 160, 1],
  ['GSM 161: two parts', a(161), 'gsm7', 161, 2],
  ['GSM 306: two full parts of 153', a(306), 'gsm7', 306, 2],
  ['GSM 307: three parts', a(307), 'gsm7', 307, 3],
  ['GSM 459: three full parts', a(459), 'gsm7', 459, 3],
  ['GSM 460: four parts', a(460), 'gsm7', 460, 4],
  ['GSM basic set beyond ASCII stays GSM', '@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\n\r', 'gsm7', 44, 1],
  ['extension char counts 2: 158 + € = 160', a(158) + '€', 'gsm7', 160, 1],
  ['extension char counts 2: 159 + € = 161', a(159) + '€', 'gsm7', 161, 2],
  ['every extension char counts 2', '€[]{}^~|\\\f', 'gsm7', 20, 1],
  ['80 brackets are 160 septets', '['.repeat(80), 'gsm7', 160, 1],
  ['81 brackets are 162 septets', '['.repeat(81), 'gsm7', 162, 2],
  ['an escape pair is not split: 152 + € + 152 = 306 septets, yet three parts', a(152) + '€' + a(152), 'gsm7', 306, 3],
  ['an escape pair that fits: 151 + € + 153 = 306, two parts', a(151) + '€' + a(153), 'gsm7', 306, 2],
  ['UCS-2 70: one part', ya(70), 'ucs2', 70, 1],
  ['UCS-2 71: two parts', ya(71), 'ucs2', 71, 2],
  ['UCS-2 134: two full parts of 67', ya(134), 'ucs2', 134, 2],
  ['UCS-2 135: three parts', ya(135), 'ucs2', 135, 3],
  ['UCS-2 201: three full parts', ya(201), 'ucs2', 201, 3],
  ['UCS-2 202: four parts', ya(202), 'ucs2', 202, 4],
  ['one Cyrillic letter makes a Latin text UCS-2: 69 + я = 70', a(69) + 'я', 'ucs2', 70, 1],
  ['one Cyrillic letter makes a Latin text UCS-2: 70 + я = 71', a(70) + 'я', 'ucs2', 71, 2],
  ['a typographic apostrophe is not GSM-7', a(69) + '’', 'ucs2', 70, 1],
  ['a no-break space is not GSM-7', a(70) + '\u00A0', 'ucs2', 71, 2],
  ['in UCS-2 an extension char is one unit', ya(69) + '€', 'ucs2', 70, 1],
  ['emoji is a surrogate pair: 68 + 😀 = 70', ya(68) + '😀', 'ucs2', 70, 1],
  ['emoji is a surrogate pair: 69 + 😀 = 71', ya(69) + '😀', 'ucs2', 71, 2],
  ['a BMP symbol is one unit: 69 + ☺ = 70', ya(69) + '☺', 'ucs2', 70, 1],
  ['a surrogate pair is not split: 66 + 😀 + 66 = 134 units, yet three parts', ya(66) + '😀' + ya(66), 'ucs2', 134, 3],
  ['a surrogate pair that fits: 65 + 😀 + 67 = 134, two parts', ya(65) + '😀' + ya(67), 'ucs2', 134, 2],
  ['emoji alone in a Latin text', 'Sale 😀', 'ucs2', 7, 1],
];

describe('SMS segments', () => {
  it.each(cases)('%s', (_label, text, encoding, units, segments) => {
    expect(smsCost(text)).toEqual({ encoding, units, segments });
  });
});
