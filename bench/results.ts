/**
 * One result file per topology (`bench/results/<name>.json`): the machine, the date, the Temporal
 * server, each section's figures with the load it ran under and how long it took, and the run's
 * duration. Rewritten after every section, so a run that is stopped keeps what it measured.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadAverage, machine, type Machine } from './machine';

export const RESULTS_DIR = 'bench/results';

export interface SectionResult {
  loadAverageBefore: number;
  loadAverageAfter: number;
  seconds: number;
  /** Set when the section failed or ran past its cap: what it measured before is kept. */
  error?: string;
  [figure: string]: unknown;
}

export interface ResultFile {
  name: string;
  date: string;
  machine: Machine;
  temporal?: string;
  quick: boolean;
  durationSeconds?: number;
  sections: Record<string, SectionResult>;
}

/** With `keep` (a run of some sections only, BENCH_ONLY), the file's other sections stay as they were measured. */
export function newResultFile(name: string, quick: boolean, keep = false, dir = RESULTS_DIR): ResultFile {
  const earlier = keep && existsSync(join(dir, `${name}.json`)) ? (JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as ResultFile).sections : {};
  return { name, date: new Date().toISOString(), machine: machine(), quick, sections: { ...earlier } };
}

export function writeResultFile(file: ResultFile, dir = RESULTS_DIR): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${file.name}.json`), `${JSON.stringify(file, null, 2)}\n`);
}

export function readResultFiles(dir = RESULTS_DIR): ResultFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ResultFile)
    .filter((r) => r && typeof r === 'object' && 'sections' in r);
}

/**
 * Runs a section under a cap: past `capMs` its result is recorded as cut and the run goes on (the
 * section itself also stops taking new work at the deadline it is given). Written at once.
 */
export async function runSection(
  file: ResultFile,
  name: string,
  capMs: number,
  run: (deadline: number) => Promise<Record<string, unknown>>,
): Promise<void> {
  console.error(`bench: ${file.name} / ${name}…`);
  const loadAverageBefore = loadAverage();
  const t0 = performance.now();
  let figures: Record<string, unknown>;
  try {
    let timer: NodeJS.Timeout | undefined;
    const cap = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`cut: ran past its cap of ${Math.round(capMs / 1000)} s`)), capMs + 60_000);
    });
    figures = await Promise.race([run(Date.now() + capMs), cap]).finally(() => clearTimeout(timer));
  } catch (err) {
    console.error(`bench: ${name} failed:`, err);
    figures = { error: err instanceof Error ? err.message : String(err) };
  }
  file.sections[name] = { ...figures, loadAverageBefore, loadAverageAfter: loadAverage(), seconds: Math.round((performance.now() - t0) / 1000) };
  writeResultFile(file);
}
