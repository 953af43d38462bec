import type pg from 'pg';

/** A table's columns in order; generated columns are computed again on insert, so they are not extracted. */
export const EXTRACT_COLUMNS_SQL = `
  SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attidentity AS identity
  FROM pg_attribute a
  WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
  ORDER BY a.attnum`;

/** Values as PostgreSQL's text output, untouched by the driver (no Date, no number rounding). */
export const rawTextTypes = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;
