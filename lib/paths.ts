/**
 * Where Cascade's files are, whether it runs from source (`tsx`, tests) or from the ahead-of-time
 * build in dist/ (scripts/build.mjs). In a bundle every module's `import.meta.url` is the bundle's,
 * so a path made relative to a module's own file points into dist/ once bundled. This file sits one
 * folder below the root, as the bundles in dist/ do, so `..` from here is the root either way: every
 * file read at run time (migrations, templates, dashboard assets, workflows) is named from it.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

declare const CASCADE_BUNDLED: boolean | undefined;

export const root = fileURLToPath(new URL('..', import.meta.url));

/** A path under the project root, e.g. `fromRoot('db', 'migrations')`. */
export function fromRoot(...parts: string[]): string {
  return join(root, ...parts);
}

/** True in dist/: the build defines CASCADE_BUNDLED; from source it is not declared at all. */
export const bundled = typeof CASCADE_BUNDLED !== 'undefined' && CASCADE_BUNDLED;

/** What the build writes, and what the bundled worker loads instead of running webpack at start. */
export const distDir = fromRoot('dist');
export const prebuiltWorkflowBundle = join(distDir, 'workflow-bundle.js');
