/**
 * Quoting for DuckDB SQL. Every identifier Stratum writes into SQL goes through `quoteIdent`;
 * the few places a literal cannot be a bound parameter (file paths in COPY, view definitions)
 * go through `quoteString`.
 */
import type { RelationRef } from '../adapter.js';

/** Quotes an identifier with double quotes, doubling embedded quotes: `a"b` -> `"a""b"`. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Quotes a string literal with single quotes, doubling embedded quotes. Only for values DuckDB
 * does not accept as parameters (COPY targets, paths inside view definitions).
 */
export function quoteString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Renders a relation as `"database"."schema"."name"` (database omitted when not given). */
export function relationSql(relation: RelationRef): string {
  const parts = relation.database ? [relation.database, relation.schema, relation.name] : [relation.schema, relation.name];
  return parts.map(quoteIdent).join('.');
}
