/**
 * The method every ratio of the bench follows: interleaved rounds (raw, Cascade, raw, Cascade, …,
 * PAIRS of them, each phase with work of its own), every phase drained of its own work before the
 * next starts, and the per-round ratios summarised as their median and spread. Interleaving spreads
 * whatever else the box does over both sides; draining keeps one phase's leftovers out of the
 * other's window.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { pool, ratio } from './measure';

export const PAIRS = 3;

/** The median of `xs` (the upper one of an even count). */
export const middle = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs `round` `pairs` times, fewer when `deadline` (epoch ms) passes first; what each round measured. */
export async function interleave<R>(deadline: number, round: (i: number) => Promise<R>, pairs = PAIRS): Promise<R[]> {
  const rounds: R[] = [];
  for (let i = 0; i < pairs && Date.now() < deadline; i++) rounds.push(await round(i));
  return rounds;
}

/** Cascade over raw per round: the median ratio and the spread (min–max), two decimals. */
export function ratioOfRounds(cascade: number[], raw: number[]): { ratio: number | undefined; ratioSpread: [number, number] | undefined } {
  const ratios = cascade.map((c, i) => c / raw[i]!).filter(Number.isFinite);
  if (!ratios.length) return { ratio: undefined, ratioSpread: undefined };
  return { ratio: ratio(middle(ratios), 1), ratioSpread: [ratio(Math.min(...ratios), 1), ratio(Math.max(...ratios), 1)] };
}

/**
 * Waits until none of `workflowIds` has a workflow task or an activity pending (a closed one is
 * quiet): what the phase set going has finished, so none of it runs in the next phase's window.
 * False when `deadline` passes first.
 */
export async function waitQuiet(client: Client, workflowIds: string[], deadline: number): Promise<boolean> {
  let busy = workflowIds;
  while (busy.length) {
    if (Date.now() > deadline) return false;
    const still: string[] = [];
    await pool(busy, 16, async (id) => {
      const { raw } = await client.workflow.getHandle(id).describe();
      if (raw.pendingWorkflowTask || raw.pendingActivities?.length) still.push(id);
    });
    busy = still;
    if (busy.length) await sleep(250);
  }
  return true;
}
