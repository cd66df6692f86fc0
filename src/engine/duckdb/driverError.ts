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
  return new QueryError(message.split('\n')[0] ?? message, { ...context, sql: context?.sql ?? sql });
}
