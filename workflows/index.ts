/** The worker's workflow bundle entry: every export is a workflow type. */
export * from './journeys';
export { broadcast } from './dsl/broadcast';
