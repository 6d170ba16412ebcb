/** Connecting to Temporal, and registering Cascade's search attributes where they are missing. */
import { Connection } from '@temporalio/client';
import { searchAttributes } from '../workflows/contract';

export async function connectTemporal(address: string): Promise<Connection> {
  return Connection.connect({ address });
}

/** The dev server gets them as start flags; an existing cluster gets them here, once. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = searchAttributes.filter((a) => !(a.name in (customAttributes ?? {})));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    // 2 = INDEXED_VALUE_TYPE_KEYWORD in temporal.api.enums.v1
    searchAttributes: Object.fromEntries(missing.map((a) => [a.name, 2])),
  });
}

/** `--search-attribute` flags for `temporal server start-dev`. */
export const devServerSearchAttributeArgs = searchAttributes.flatMap((a) => ['--search-attribute', `${a.name}=Keyword`]);
