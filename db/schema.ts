/**
 * Every table Cascade keeps, a file per area under db/schema/. Times are UTC (`timestamptz`); each
 * customer carries an IANA time zone. Queries import tables from here; drizzle-kit reads this file.
 */
export * from './schema/customers';
export * from './schema/contactability';
export * from './schema/events';
export * from './schema/runs';
export * from './schema/messages';
export * from './schema/campaigns';
export * from './schema/access';
export * from './schema/alerts';
export * from './schema/journeys';
export * from './schema/audit';
export * from './schema/rights';
export * from './schema/webhooks';
export * from './schema/retention';
