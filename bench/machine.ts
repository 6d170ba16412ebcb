/** The machine a run measured on, so a figure is read next to the cores and memory it had. */
import { cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
}

export function machine(): Machine {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
  };
}

/** The one-minute load average: on a shared box, how much other work may have moved a figure. */
export const loadAverage = (): number => Number(loadavg()[0]!.toFixed(1));
