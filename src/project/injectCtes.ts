/**
 * Inlines ephemeral models into a query as CTEs, character for character as dbt-core's
 * `inject_ctes_into_sql` does (so target/compiled and the manifest's `compiled_code` match dbt's):
 * each CTE is ` <name> as (\n<sql>\n)`, joined by `, `. After a leading `with` (or
 * `with recursive`, leading comments allowed) they are put after the whitespace that follows it,
 * then `, ` and the existing CTEs; otherwise `with<ctes> ` goes before the first token that is
 * not whitespace (a leading comment included).
 */
import type { InjectedCte } from './types.js';

/** Returns `sql` with the CTEs injected (unchanged when there are none). */
export function injectCtes(sql: string, ctes: readonly InjectedCte[]): string {
  if (ctes.length === 0) return sql;
  const defs = ctes.map((c) => ` ${c.name} as (\n${c.sql}\n)`).join(', ');
  // an existing `with`, possibly after leading comments: the CTEs go after it and its whitespace
  const existing = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*with(?:\s+recursive)?\b\s*/i.exec(sql);
  if (existing) return `${existing[0]}${defs}, ${sql.slice(existing[0].length)}`;
  const ws = /^\s*/.exec(sql)?.[0] ?? '';
  return `${ws}with${defs} ${sql.slice(ws.length)}`;
}
