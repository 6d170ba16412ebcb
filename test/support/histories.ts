/**
 * Recorded workflow histories (test/histories/), which test/replay.test.ts replays against the
 * current code. Each file holds one run's history with the workflow type it ran and the hash of that
 * workflow's code when it was recorded; a file is never overwritten, since runs of the code it
 * recorded may still be in flight. Histories recorded before hashes (a bare history, no name suffix)
 * still replay; they count as code of unknown version.
 *
 * The code hash is of the workflow's own source and every file of ours it imports (the journey, the
 * DSL, the contract…), as esbuild bundles it with comments and whitespace stripped and packages left
 * out: a changed comment changes nothing, any change of code does.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import { buildSync } from 'esbuild';
import { root } from '../../lib/paths';
import { allJourneys } from '../../workflows/registry';

export const historiesDir = join(root, 'test', 'histories');

const History = proto.temporal.api.history.v1.History;
type IHistory = proto.temporal.api.history.v1.IHistory;

/**
 * Histories are stored as protobufjs objects in JSON (longs and enums as strings, bytes base64).
 * Not the SDK's historyToJSON: with this install's two nested protobufjs copies it throws
 * "type must be a Type".
 */
export const historyCodec = {
  toJson: (history: IHistory) => History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String }),
  fromJson: (json: unknown) => History.fromObject(json as Record<string, unknown>),
};

/** The source file of each workflow type that has recorded histories: every journey, and the campaign. */
export function workflowSource(workflowType: string): string | undefined {
  if (workflowType === 'campaign') return join(root, 'workflows', 'campaign.ts');
  if (workflowType === 'apiMessage') return join(root, 'workflows', 'api-message.ts');
  const journey = allJourneys.find((j) => j.name === workflowType);
  return journey && join(root, 'workflows', 'journeys', `${journey.options.id}.ts`);
}

const hashes = new Map<string, string>();
/** The hash of a workflow type's code as it is now (12 hex digits). */
export function codeHash(workflowType: string): string {
  const cached = hashes.get(workflowType);
  if (cached) return cached;
  const source = workflowSource(workflowType);
  if (!source || !existsSync(source)) throw new Error(`no source file for workflow type ${workflowType} (journeys live in workflows/journeys/<id>.ts)`);
  const { outputFiles } = buildSync({
    entryPoints: [source],
    absWorkingDir: root,
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const hash = createHash('sha256').update(outputFiles[0]!.text).digest('hex').slice(0, 12);
  hashes.set(workflowType, hash);
  return hash;
}

export interface RecordedHistory {
  file: string;
  /** The run's workflow id, for the replayer's messages: the file name without `.json`. */
  workflowId: string;
  workflowType: string;
  /** The workflow's code hash when it was recorded; null for histories recorded before hashes. */
  codeHash: string | null;
  history: ReturnType<typeof historyCodec.fromJson>;
}

interface HistoryFile {
  workflowType: string;
  scenario: string;
  codeHash: string;
  history: unknown;
}

export function readHistories(dir = historiesDir): RecordedHistory[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Partial<HistoryFile> & { events?: unknown };
      const history = historyCodec.fromJson(json.codeHash ? json.history : json);
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      return {
        file,
        workflowId: file.replace(/\.json$/, ''),
        workflowType: json.workflowType ?? started?.workflowType?.name ?? '?',
        codeHash: json.codeHash ?? null,
        history,
      };
    });
}

/**
 * With CASCADE_RECORD_HISTORIES=1 (`npm run histories:record`) a journey test saves its run as
 * `<scenario>.<code hash>.json`. A file of the same scenario and code already there is kept: it is
 * the same code, and rewriting it would only churn ids and times.
 */
export async function recordHistory(handle: WorkflowHandle, scenario: string): Promise<void> {
  if (process.env.CASCADE_RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  const workflowType = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
  if (!workflowType) throw new Error(`${handle.workflowId}: the history has no start event`);
  const hash = codeHash(workflowType);
  const file = join(historiesDir, `${scenario}.${hash}.json`);
  if (existsSync(file)) return;
  mkdirSync(historiesDir, { recursive: true });
  const content: HistoryFile = { workflowType, scenario, codeHash: hash, history: historyCodec.toJson(history) };
  writeFileSync(file, `${JSON.stringify(content, null, 1)}\n`);
}
