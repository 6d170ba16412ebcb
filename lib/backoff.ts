/** Exponential backoff from `floorMs`, doubling per attempt, capped: for retries of what only says "later". */
export function backoffMs(attempt: number, floorMs: number, capMs = 10 * 60_000): number {
  return Math.min(floorMs * 2 ** Math.max(0, attempt - 1), capMs);
}
