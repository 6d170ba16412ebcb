/** How far retention has got with what it expires row by row rather than by dropping a month. */
import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * One row per sweep (`message-bodies`): everything before `through` is done,
 * so each pass starts where the last stopped instead of walking the rows it already cleared.
 */
export const retentionMarks = pgTable('retention_marks', {
  sweep: text('sweep').primaryKey(),
  through: timestamp('through', { withTimezone: true }).notNull(),
});
