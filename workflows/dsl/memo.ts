/**
 * What a body has already done, so it can run again from the top after continue-as-new and come
 * back to where it was: each primitive call, in order, finds its earlier entry (a send's result, a
 * sleep's wake-up instant, a wait's deadline or event, a promo code) instead of acting again.
 * Bodies are deterministic, so the same calls come in the same order.
 */
export type MemoEntry = [kind: string, value: unknown];

export class Memo {
  private entries: MemoEntry[];
  private next = 0;

  constructor(carried?: MemoEntry[]) {
    this.entries = [...(carried ?? [])];
  }

  /** This call's entry: the carried one, or a new one made by `make`. */
  slot<T>(kind: string, make: () => T): { index: number; value: T } {
    const index = this.next++;
    const entry = this.entries[index];
    if (entry) {
      if (entry[0] !== kind) throw new Error(`The journey body changed between runs: call ${index} was ${entry[0]}, now ${kind}`);
      return { index, value: entry[1] as T };
    }
    const value = make();
    this.entries[index] = [kind, value];
    return { index, value };
  }

  set(index: number, value: unknown): void {
    this.entries[index]![1] = value;
  }

  reset(): void {
    this.entries = [];
    this.next = 0;
  }

  carry(): MemoEntry[] {
    return this.entries.slice(0, this.next);
  }
}
