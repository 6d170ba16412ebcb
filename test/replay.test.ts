/**
 * Determinism guard: the histories the journey tests recorded (test/histories/*.json, refreshed
 * with `CASCADE_RECORD_HISTORIES=1 npx vitest run test/*.workflow.test.ts test/journeys.integration.test.ts`)
 * are replayed against the current workflow code. A change that would break runs in flight (a
 * reordered send, a new sleep before an old one) fails here; guard such changes with `patched()`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { allJourneys } from '../workflows/registry';
import { historyCodec } from './support/journeys';
import { workflowBundle } from './support/temporal';

const dir = join(import.meta.dirname, 'histories');
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((file) => {
    const history = historyCodec.decode(readFileSync(join(dir, file), 'utf8'));
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    return { file, workflowId: file.replace(/\.json$/, ''), type: started?.workflowType?.name ?? '?', history };
  });

describe('replay of recorded journey histories', () => {
  it('has a recorded history for every journey and for the campaign workflow', () => {
    const recorded = new Set(fixtures.map((f) => f.type));
    expect([...allJourneys.map((j) => j.name), 'campaign'].filter((t) => !recorded.has(t))).toEqual([]);
  });

  it('replays every history against the current workflow code without a determinism error', async () => {
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: workflowBundle(), replayName: 'cascade-replay' }, fixtures)) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message.split('\n')[0]}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(fixtures.length);
  });
});
