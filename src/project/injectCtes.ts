/**
 * Inlines ephemeral models into a query as CTEs, as dbt does: after a leading `with` (keeping
 * `with recursive`) the CTEs are prepended to the existing ones; otherwise a `with` clause is
 * added. Leading comments and whitespace are kept in front.
 */
import type { InjectedCte } from './types.js';

/** Returns `sql` with the CTEs injected (unchanged when there are none). */
export function injectCtes(sql: string, ctes: readonly InjectedCte[]): string {
  if (ctes.length === 0) return sql;
  const defs = ctes.map((c) => `${c.name} as (\n${c.sql.trim()}\n)`).join(', ');
  // Skip leading whitespace, -- comments and /* */ comments.
  const lead = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/.exec(sql)?.[0] ?? '';
  const rest = sql.slice(lead.length);
  const w = /^with(\s+recursive)?\b/i.exec(rest);
  if (w) return `${lead}${w[0]} ${defs}, ${rest.slice(w[0].length).trimStart()}`;
  return `${lead}with ${defs}\n${rest}`;
}
