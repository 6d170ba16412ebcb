/** `j.promoCode`: a code made once per call site, `WELCOME-7F3K9Q`, kept in the memo. */
import type { RunState } from '../run-state';

// No 0/O or 1/I: a code is read off a phone screen and typed at a till.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function promoCode(run: RunState, prefix: string): string {
  return run.memo.slot('promo-code', () => {
    // Inside a workflow Math.random is the SDK's seeded generator: replays give the same code.
    let code = '';
    for (let i = 0; i < 6; i++) code += ALPHABET[Math.floor(Math.random() * ALPHABET.length)];
    return `${prefix}-${code}`;
  }).value;
}
