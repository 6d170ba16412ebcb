/** What the lifecycle and the router need: the stores, and how runs are started. */
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client';

export interface LifecycleDeps {
  db: Db;
  client: Client;
  taskQueue: string;
  /** The webhook channel's target, so admission sees the same reachable channels a run does. */
  webhookUrl?: string;
  /**
   * Label runs with Cascade's search attributes (default). The time-skipping test server has none
   * registered, so `simulate` starts runs without them.
   */
  searchAttributes?: boolean;
}
