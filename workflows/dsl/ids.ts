/** Workflow ids: one run per (journey, customer[, key]); the API, the sweeper and tests build them here. */
export function journeyWorkflowId(journeyId: string, customerId: string, key?: string): string {
  return key === undefined ? `${journeyId}/${customerId}` : `${journeyId}/${customerId}/${key}`;
}

/** `abandoned-cart` → `abandonedCart`: the workflow type, which is also the journey's export name. */
export function workflowTypeOf(journeyId: string): string {
  return journeyId.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
