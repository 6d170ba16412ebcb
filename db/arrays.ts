/**
 * Many values as one bound parameter. Drizzle binds `inArray` and multi-row `values()` one parameter
 * per value, and building such a statement for thousands of rows costs more than running it; a
 * text array, unnested or compared with `any`, is one parameter whatever its length.
 */
import { sql, type AnyColumn, type SQL } from 'drizzle-orm';

/** `$n::text[]`: nulls stay nulls; cast the elements where the column is not text. */
export const textArray = (values: Array<string | null>): SQL => sql`${sql.param(values)}::text[]`;

/** `column = any($n::text[])`. */
export const anyOf = (column: AnyColumn, values: string[]): SQL => sql`${column} = any(${textArray(values)})`;
