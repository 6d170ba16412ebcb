/**
 * Who owns a data folder, and the children its owner left behind. A `kill -9` of `npm start` (the
 * OOM killer's way) gives it no chance to stop the Temporal dev server or Postgres; they would keep
 * the port and the data files, and the next start would fail on them. So each long-lived child has
 * a pid file under the data folder, and the next start ends whatever a pid file names, after
 * checking from its command line that it is that child serving that folder (a pid is reused by the
 * system once its process is gone).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's command line, arguments joined by spaces; undefined once it is gone. */
export function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    try {
      return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      return undefined;
    }
  }
}

export function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]!.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** SIGTERM (or `signal`), then SIGKILL once `graceMs` has passed; resolves when the pid is gone. */
export async function endProcess(pid: number, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Ends the process `pidFile` names when its command line mentions `mark` (the data file it serves),
 * and removes the file. Returns the pid it ended, if any.
 */
export async function endLeftover(pidFile: string, mark: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | undefined> {
  const pid = readPid(pidFile);
  const ours = pid !== undefined && isAlive(pid) && (commandLineOf(pid) ?? '').includes(mark);
  if (ours) await endProcess(pid, signal);
  rmSync(pidFile, { force: true });
  return ours ? pid : undefined;
}

/** The pid on the first line; `more` lines after it (what else a reader needs, e.g. a port). */
export function writePidFile(file: string, pid: number, ...more: string[]): void {
  writeFileSync(file, [pid, ...more, ''].join('\n'));
}

/**
 * Makes this process the owner of `dataDir`, refusing when a live process already is (two `npm
 * start`s on one folder would fight over its dev server and database). Returns the release.
 */
export function claimDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'cascade.pid');
  const owner = readPid(file);
  if (owner !== undefined && owner !== process.pid && isAlive(owner) && /\bnode\b|cascade|start/.test(commandLineOf(owner) ?? '')) {
    throw new Error(`Cascade is already running on ${dataDir} (pid ${owner}); stop it first, or set CASCADE_DATA_DIR to another folder`);
  }
  writePidFile(file, process.pid);
  return () => {
    if (readPid(file) === process.pid) rmSync(file, { force: true });
  };
}
