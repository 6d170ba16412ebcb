/** The worker's workflow bundle entry: every export is a workflow type. */
export * from './journeys';
export { campaign } from './campaign';
export { apiMessage } from './api-message';
