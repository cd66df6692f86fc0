/**
 * Turns a DuckDB driver failure into Stratum's error types: an interrupted statement (or one
 * whose AbortSignal fired) becomes CancelledError, anything else QueryError with its context.
 */
import { CancelledError, QueryError, StratumError, type QueryContext } from '../../errors.js';

/** True when a driver message says the statement was interrupted. */
export function isInterruptMessage(message: string): boolean {
  return /INTERRUPT|interrupted/i.test(message);
}

/**
 * Maps a thrown value to CancelledError (signal aborted or statement interrupted) or QueryError
 * carrying `context` (with `sql` filled in when the context has none). Stratum errors pass through.
 */
export function toStratumError(e: unknown, sql: string, context: QueryContext | undefined, signal?: AbortSignal): StratumError {
  if (e instanceof StratumError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (signal?.aborted || isInterruptMessage(message)) return new CancelledError();
  return new QueryError(oneLine(message), { ...context, sql: context?.sql ?? sql });
}

/**
 * DuckDB's message on one line: its first line, with the line of SQL it points at (`LINE 43:
 * customers.last_name,,`), its candidate bindings, and a CSV error's line and widths when it gives
 * them, which say where and what.
 */
export function oneLine(message: string): string {
  const lines = message.split('\n');
  const extra = lines.slice(1).map((l) => l.trim()).filter((l) => /^(LINE \d+:|Candidate bindings:|Did you mean|Original Line:|Expected Number of Columns:)/.test(l));
  return [lines[0] ?? message, ...extra.map((l) => `(${l.replace(/\s+/g, ' ')})`)].join(' ');
}
