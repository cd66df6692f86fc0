/**
 * dbt's `persist_docs` on DuckDB: the `comment on` statements for a relation's description and its
 * columns' (dbt-duckdb's alter_relation_comment / alter_column_comment).
 */
import type { RelationDocs } from '../adapter.js';
import { quoteIdent, quoteString } from './quote.js';

/**
 * The statements commenting relation `target` (SQL, quoted) of `kind`, and those of its columns in
 * `columns` (the names it has: a documented column it does not have is skipped, as dbt does).
 */
export function commentStatements(target: string, kind: 'table' | 'view', docs: RelationDocs, columns: ReadonlySet<string>): string[] {
  const out = docs.relation !== undefined ? [`comment on ${kind} ${target} is ${quoteString(docs.relation)}`] : [];
  for (const [name, comment] of Object.entries(docs.columns ?? {})) if (columns.has(name)) out.push(`comment on column ${target}.${quoteIdent(name)} is ${quoteString(comment)}`);
  return out;
}
