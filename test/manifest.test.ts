/**
 * The journeys' options manifest (workflows/manifest.ts) and the worker's journeys
 * (workflows/journeys/index.ts) are the same journeys, with the very same options objects; and the
 * processes that are not the worker load options only, never a journey body or the DSL that runs one.
 */
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { root } from '../lib/paths';
import * as journeys from '../workflows/journeys';
import { journeyOptions } from '../workflows/manifest';

/** The source files an entry point loads, by esbuild's reading of its imports (packages left out). */
function loadedBy(entry: string): string[] {
  const { metafile } = buildSync({ entryPoints: [entry], absWorkingDir: root, bundle: true, packages: 'external', platform: 'node', format: 'esm', write: false, metafile: true, logLevel: 'silent' });
  return Object.keys(metafile.inputs);
}

describe('the options manifest', () => {
  it('lists every journey the worker runs, with the options its body was made with, under its workflow type', () => {
    const bodies = Object.entries(journeys);
    for (const [exportName, wf] of bodies) expect(wf.name, `journey ${wf.options.id}`).toBe(exportName);
    expect(journeyOptions).toHaveLength(bodies.length);
    for (const [, wf] of bodies) expect(journeyOptions.includes(wf.options), `${wf.options.id} in workflows/manifest.ts`).toBe(true);
  });

  it("is all the API and the router load of the journeys; the worker's bundle loads the bodies", () => {
    const isBody = (path: string) => /^workflows\/journeys\/[a-z-]+\.ts$/.test(path) || path === 'workflows/dsl/journey.ts';
    for (const entry of ['processes/api.ts', 'processes/router.ts']) {
      const loaded = loadedBy(entry);
      expect(loaded.filter((p) => p.endsWith('.options.ts')).length, entry).toBe(journeyOptions.length);
      expect(loaded.filter(isBody), entry).toEqual([]);
    }
    // The control: the worker's workflow bundle entry does load them, so the check above can see a body.
    expect(loadedBy('workflows/index.ts').filter(isBody).length).toBeGreaterThan(journeyOptions.length);
  });
});
