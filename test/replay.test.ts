/**
 * Determinism guard, in two halves (README, "Testing"):
 * - replay: every recorded history (test/histories/, `npm run histories:record`) is replayed against
 *   the current workflow code. A change that would break runs in flight (a reordered send, a new
 *   sleep before an old one) fails here; guard it with `patched()`.
 * - coverage: each journey, the campaign workflow and apiMessage must have a history recorded from its code as
 *   it is now (the code hash in the file). Replay can only check a change against the code that was
 *   recorded; without this, a change that is never recorded lets the next change break the runs it
 *   started unseen.
 */
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { allJourneys } from '../workflows/registry';
import { codeHash, readHistories } from './support/histories';
import { workflowBundle } from './support/temporal';

const fixtures = readHistories();
const workflowTypes = [...allJourneys.map((j) => j.name), 'campaign', 'apiMessage'];

describe('replay of recorded journey histories', () => {
  it('has a recorded history for every journey and for the campaign workflow', () => {
    const recorded = new Set(fixtures.map((f) => f.workflowType));
    expect(workflowTypes.filter((t) => !recorded.has(t))).toEqual([]);
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

  it("has a history of each workflow's code as it is now", () => {
    const stale = workflowTypes.flatMap((type) => {
      const now = codeHash(type);
      const recorded = [...new Set(fixtures.filter((f) => f.workflowType === type && f.codeHash).map((f) => f.codeHash))];
      return recorded.includes(now) ? [] : [`${type}: code ${now}; histories recorded of ${recorded.join(', ') || 'no hashed code'}`];
    });
    expect(
      stale,
      'These workflows changed since their histories were recorded. Run `npm run histories:record` to add histories of ' +
        'the new code (older ones stay: runs of that code may be in flight). If the replay test fails on an old ' +
        'history, the change breaks runs in flight: put it behind patched().',
    ).toEqual([]);
  });

  it('names each hashed file after its scenario and code hash', () => {
    for (const f of fixtures.filter((x) => x.codeHash)) expect(f.file).toMatch(new RegExp(`\\.${f.codeHash}\\.json$`));
  });
});
