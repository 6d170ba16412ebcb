/** What a merge writes into `customer_merges`, so it can be read back and undone (merges/revert.ts). */
import type { consents, customers, pushTokens } from '../db/schema';

type Row<T extends { $inferSelect: unknown }> = T['$inferSelect'];

/** JSON turns Dates into strings: what a snapshot row reads as once stored. */
export type Stored<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

export interface MergeSnapshot {
  /** The duplicate's customers row, consents and push tokens as they were. */
  customer: Row<typeof customers>;
  consents: Array<Row<typeof consents>>;
  pushTokens: Array<Row<typeof pushTokens>>;
}

/** Profile fields a merge may fill on the survivor when the survivor has none. */
export const FILLABLE = ['email', 'phone', 'name', 'city', 'locale', 'birthday'] as const;
export type Fillable = (typeof FILLABLE)[number];

export interface MergeMoves {
  /** Ids of the rows re-pointed from the duplicate to the survivor. */
  events: string[];
  orders: string[];
  consentChanges: number[];
  messages: number[];
  journeyRuns: string[];
  pushTokens: string[];
  /** Consent rows the survivor did not have, moved over as they were. */
  consents: Array<{ channel: string; topic: string }>;
  /** Withdrawals of the duplicate the survivor took on (the stricter word wins). */
  withdrawals: Array<{ channel: string; topic: string; source: string }>;
  /** Survivor fields that were empty and now hold the duplicate's value. */
  filled: Partial<Record<Fillable, string>>;
  /** Attribute keys the survivor lacked, taken from the duplicate. */
  attributes: string[];
}
