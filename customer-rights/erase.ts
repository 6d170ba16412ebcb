/**
 * One erasure, carried out by the background job (job.ts) in three steps, each safe to repeat, so
 * a crash anywhere resumes from the start and finishes: end the customer's running runs; delete
 * every Temporal execution of the customer; anonymise Postgres in one transaction, which also marks
 * the erasure done. Not a Temporal workflow itself: its history would keep the customer's id.
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { logger } from '../lib/logger';
import { anonymise } from './anonymise';
import { endRunningRuns } from './end-runs';
import type { Erasure } from './erasures';
import { customerWorkflowIds, deleteCustomerExecutions } from './temporal-executions';

export interface EraseDeps {
  db: Db;
  client: Client;
  /** False where runs carry no search attributes (the simulator); true without it. */
  searchAttributes?: boolean;
}

export async function carryOut(deps: EraseDeps, erasure: Erasure): Promise<void> {
  const customerId = erasure.customerId;
  if (customerId === null) return; // done already: the id is only there until then
  const runsEnded = await endRunningRuns(deps, customerId);
  const workflowIds = await customerWorkflowIds(deps.db, customerId);
  const executions = await deleteCustomerExecutions(deps, customerId, workflowIds);
  await anonymise(deps, { ...erasure, customerId }, workflowIds, { runsEnded, temporalExecutions: executions });
  logger.info({ erasureId: erasure.id, runsEnded, executions }, 'customer erased');
}
