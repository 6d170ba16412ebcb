/**
 * One child process of the topology (the Temporal server, an API, a worker): started with its
 * output in a log file, ready when its probe says so, stoppable gracefully, killable (the chaos
 * tests' `kill -9`) and restartable with the same command and environment.
 * Each runs in its own process group, so a Ctrl+C in the terminal reaches only the topology's
 * owner, which stops them in order (Cascade before the server it drains against). Whatever way the
 * owner exits, the children go with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (null when a signal ended it). */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Starts it again (after a kill or stop) and waits until it is ready. */
  restart(): Promise<void>;
}

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  logFile: string;
  /**
   * Resolves once the process serves; `output()` is what it has printed so far, `waiting()` turns
   * false once the start has failed or timed out (a probe loop stops then).
   */
  ready(output: () => string, waiting: () => boolean): Promise<void>;
  readyTimeoutMs: number;
  /** Strings to blank out of log tails put in error messages (passwords, keys). */
  secrets: string[];
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function redact(text: string, secrets: string[]): string {
  return secrets.filter((s) => s.length >= 6).reduce((t, s) => t.replaceAll(s, '***'), text);
}

export function logTail(spec: Pick<ProcessSpec, 'logFile' | 'secrets'>, lines = 30): string {
  try {
    const tail = readFileSync(spec.logFile, 'utf8').split('\n').slice(-lines);
    // The server's lines carry Go stack traces; their start says what failed.
    return redact(tail.map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l)).join('\n'), spec.secrets);
  } catch {
    return '(no log)';
  }
}

export async function startProcess(spec: ProcessSpec): Promise<ManagedProcess> {
  let child: ChildProcess;
  let exited: Promise<number | null>;

  async function launch(): Promise<void> {
    const log = createWriteStream(spec.logFile, { flags: 'a' });
    let output = '';
    child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    live.add(child);
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.on('data', (d: Buffer) => {
        if (output.length < 1_000_000) output += d.toString();
      });
      stream.pipe(log, { end: false });
    }
    const self = child;
    exited = new Promise((resolve) =>
      self.once('exit', (code) => {
        live.delete(self);
        log.end();
        resolve(code);
      }),
    );
    const early = exited.then((code) => {
      throw new Error(`${spec.name} exited (${code ?? 'signal'}) before it was ready; ${spec.logFile} ends:\n${logTail(spec)}`);
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`${spec.name} was not ready within ${spec.readyTimeoutMs / 1000} s; ${spec.logFile} ends:\n${logTail(spec)}`)), spec.readyTimeoutMs);
    });
    let waiting = true;
    try {
      await Promise.race([spec.ready(() => output, () => waiting), early, late]);
    } catch (err) {
      self.kill('SIGKILL');
      throw err;
    } finally {
      waiting = false;
      clearTimeout(timer);
      early.catch(() => {});
    }
  }

  async function kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  }

  await launch();
  return {
    name: spec.name,
    get pid() {
      return child.pid!;
    },
    logFile: spec.logFile,
    kill,
    async stop(graceMs = 30_000) {
      const forced = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await kill('SIGTERM');
      clearTimeout(forced);
    },
    async restart() {
      await kill('SIGKILL');
      await launch();
    },
  };
}

/** Polls `probe` until it resolves true (errors count as not yet), or until `waiting()` turns false. */
export async function until(probe: () => Promise<boolean>, waiting: () => boolean = () => true, everyMs = 200): Promise<void> {
  while (waiting()) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error('gave up waiting');
}
