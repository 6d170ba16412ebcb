/**
 * The README says CI runs the suite on Node 26 and on 20. `.ci/run` does both (Node 26 it installs
 * itself, then the machine's Node); `.github/workflows/ci.yml` is what runs it outside this repository's
 * machines, on every push to main and every pull request, with the machine's Node at 20.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

const workflow = parse(readFileSync('.github/workflows/ci.yml', 'utf8')) as {
  on: Record<string, unknown>;
  jobs: Record<string, { 'runs-on': string; 'timeout-minutes'?: number; steps: Step[] }>;
};
const ciRun = readFileSync('.ci/run', 'utf8');

describe('.github/workflows/ci.yml', () => {
  const [job, ...others] = Object.values(workflow.jobs);

  it('runs bash .ci/run on a fresh checkout, for pushes to main and pull requests, within a time limit', () => {
    expect(others).toEqual([]);
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    expect(job!['runs-on']).toBe('ubuntu-latest');
    expect(job!['timeout-minutes']).toBeGreaterThan(0);
    expect(job!['timeout-minutes']).toBeLessThanOrEqual(180);
    const uses = job!.steps.map((s) => s.uses?.split('@')[0]);
    expect(uses[0]).toBe('actions/checkout');
    expect(job!.steps.at(-1)!.run).toBe('bash .ci/run');
  });

  it('gives .ci/run Node 20 as the machine\'s Node; .ci/run brings Node 26 itself', () => {
    const setupNode = workflow.jobs.ci!.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(String(setupNode?.with?.['node-version'])).toMatch(/^20(\.|$)/);
    expect(ciRun).toMatch(/^node26_version=26\.\d+\.\d+$/m);
    expect(ciRun).toContain("PATH=\"$node26_bin:$PATH\" bash -c 'node --version && npm ci && npm test'");
    // After Node 26, the suite again on the machine's Node (the setup-node version above).
    expect(ciRun.trimEnd().split('\n').filter((l) => /^npm test$/.test(l.trim()))).toHaveLength(1);
  });

  it('provides what .ci/run would otherwise install as root (Python\'s venv, Go): a runner is not root', () => {
    const uses = workflow.jobs.ci!.steps.map((s) => s.uses?.split('@')[0]);
    expect(ciRun).toContain('python3 -m venv --help');
    expect(uses).toContain('actions/setup-python');
    expect(ciRun).toContain('command -v go');
    expect(uses).toContain('actions/setup-go');
  });
});
