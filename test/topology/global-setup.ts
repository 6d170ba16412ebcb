/** Once per run, before any timeout applies: the Temporal server binaries (built on a first run). */
import { ensureTemporalServerBinaries } from '../../topology/temporal-build';

export default async function setup() {
  const started = Date.now();
  const { route } = await ensureTemporalServerBinaries({ log: console.log });
  console.log(`Temporal server binaries: ${route} (${Math.round((Date.now() - started) / 1000)} s)`);
}
