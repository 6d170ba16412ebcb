/**
 * Temporal: the namespace exists, Cascade's search attributes are registered in it, and a worker
 * polls the task queue.
 *
 * No poller is a warn, not a fail: the API process runs alone in production (`npm run api`, the
 * worker is another process, maybe on another host, maybe restarting in a deploy), and meanwhile
 * nothing is lost: events are stored and runs wait in Temporal. But journeys do not move until a
 * worker polls, so it is said, with what to start.
 */
import { isGrpcServiceError, type ConnectionLike } from '@temporalio/client';
import { searchAttributes } from '../../workflows/contract';
import { fail, pass, warn, type Check, type CheckFn } from '../check';

// temporal.api.enums.v1: TaskQueueKind NORMAL = 1; TaskQueueType WORKFLOW = 1, ACTIVITY = 2.
const NORMAL = 1;
const QUEUE_TYPES = [
  { type: 1, what: 'workflow' },
  { type: 2, what: 'activity' },
] as const;
const GRPC_NOT_FOUND = 5;

export const temporalCheck: CheckFn = async (ctx) => {
  if (!ctx.temporal) {
    return [warn('temporal', 'TEMPORAL_ADDRESS is not set and no npm start runs its dev server on CASCADE_DATA_DIR: nothing to check', 'run npm start first, or set TEMPORAL_ADDRESS=host:7233 for a real Temporal')];
  }
  const { namespace, taskQueue } = ctx.temporal;
  let connection: ConnectionLike;
  try {
    connection = await ctx.temporal.connect();
  } catch (err) {
    return [fail('temporal', `could not check: no connection to Temporal (${(err as Error).name})`, 'see that TEMPORAL_ADDRESS points at a running Temporal frontend this host may reach')];
  }
  // One deadline for the three calls, inside the check's own budget.
  const deadline = Date.now() + ctx.timeoutMs - 250;
  const call = <T>(fn: () => Promise<T>) => connection.withDeadline(deadline, fn);

  try {
    await call(() => connection.workflowService.describeNamespace({ namespace }));
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND) {
      return [fail('temporal.namespace', `namespace "${namespace}" does not exist`, `create it (temporal operator namespace create ${namespace}) or set TEMPORAL_NAMESPACE`)];
    }
    return [fail('temporal.namespace', `could not check: Temporal did not answer (${grpcReason(err)})`, 'see that TEMPORAL_ADDRESS points at a running Temporal frontend')];
  }
  const checks: Check[] = [pass('temporal.namespace', `namespace "${namespace}" exists`)];

  const [attributes, pollers] = await Promise.all([
    call(() => connection.operatorService.listSearchAttributes({ namespace })).then(
      ({ customAttributes }) => {
        const missing = searchAttributes.filter((a) => !(a.name in (customAttributes ?? {}))).map((a) => a.name);
        return missing.length
          ? fail('temporal.search-attributes', `missing in "${namespace}": ${missing.join(', ')}`, `start Cascade with npm start once (it registers them), or: ${missing.map((m) => `temporal operator search-attribute create --namespace ${namespace} --name ${m} --type Keyword`).join('; ')}`)
          : pass('temporal.search-attributes', `${searchAttributes.map((a) => a.name).join(', ')} registered`);
      },
      (err) => fail('temporal.search-attributes', `could not check (${grpcReason(err)})`, 'see that Temporal answers operator calls from this host'),
    ),
    Promise.all(
      QUEUE_TYPES.map(({ type }) =>
        call(() => connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue, kind: NORMAL }, taskQueueType: type })).then((r) => r.pollers?.length ?? 0),
      ),
    ).then(
      (counts) => {
        const idle = QUEUE_TYPES.filter((_, i) => counts[i] === 0).map((q) => q.what);
        return idle.length
          ? warn('temporal.task-queue', `no ${idle.join(' or ')} worker polls task queue "${taskQueue}": journeys wait until one does`, 'start the worker (npm run worker) with the same TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_TASK_QUEUE')
          : pass('temporal.task-queue', `task queue "${taskQueue}" has ${counts[0]} workflow and ${counts[1]} activity pollers`);
      },
      (err) => fail('temporal.task-queue', `could not check (${grpcReason(err)})`, 'see that Temporal answers from this host'),
    ),
  ]);
  return [...checks, attributes, pollers];
};

function grpcReason(err: unknown): string {
  return isGrpcServiceError(err) ? `gRPC ${err.code}` : ((err as Error)?.name ?? 'error');
}
