/** POST /v1/import/customers and /v1/import/orders: the rows (their API twins' schemas) and the answers. */
import { z } from 'zod';
import { customerIdSchema } from './common';
import { customerBody } from './customers';
import { importedOrderRow } from './orders';

/** A customer row is the PUT /v1/customers/:id body plus its id. */
export const importedCustomerRow = customerBody.extend({ id: customerIdSchema });
export type ImportedCustomer = z.infer<typeof importedCustomerRow>;
export { importedOrderRow };

const rejectedRow = z.object({
  line: z.number().int().meta({ description: 'Line in the file, 1-based (in a CSV the header is line 1; a quoted multi-line row is named by its last line)' }),
  field: z.string().optional().meta({ description: 'The field to blame, dotted (consents.email)' }),
  error: z.string(),
});

const common = {
  accepted: z.number().int().meta({ description: 'Rows stored (or already stored as given)' }),
  rejected: z.array(rejectedRow).meta({ description: 'The first 1,000 rejected rows, by line' }),
  rejectedTotal: z.number().int(),
};

export const customerImportAnswer = z.object({
  ...common,
  created: z.number().int(),
  updated: z.number().int().meta({ description: 'Existing customers whose profile changed' }),
  unchanged: z.number().int().meta({ description: 'Existing customers whose profile was already as given' }),
  consentsRefused: z
    .array(z.object({ line: z.number().int(), id: z.string(), channel: z.string(), note: z.string().nullable() }))
    .meta({ description: 'Grants a profile sync may not make (the customer unsubscribed, complained, or the address is suppressed): recorded, not applied' }),
});

export const orderImportAnswer = z.object({
  ...common,
  created: z.number().int(),
  updated: z.number().int().meta({ description: 'Orders already stored, with another total, currency, source, time or customer' }),
  unchanged: z.number().int(),
  journeys: z.string().meta({ description: 'Imported orders are history: no event, no journey, no order confirmation' }),
});

/** What the docs show as the body: one row; the route reads many of them, a line each. */
export const customerImportBody = importedCustomerRow.meta({
  description: 'NDJSON (application/x-ndjson): one PUT /v1/customers/:id body plus "id" a line. CSV (text/csv): a header row; dotted columns fill nested fields (consents.email, attributes.tier); empty cells are left out; pushTokens space-separated',
});
export const orderImportBody = importedOrderRow.meta({
  description: 'NDJSON (application/x-ndjson) or CSV (text/csv, header row): one order a line',
});
