/**
 * Bookkeeping of one node's rendering. Nunjucks renders synchronously, but `run_query()` and
 * `statement` need the database: a render that reaches an unanswered query records it as
 * `pendingQuery` and aborts; the caller runs the query, caches the answer, and renders again
 * (answers are replayed from the cache) until the render completes.
 */
import type { QueryResult } from '../../engine/adapter.js';
import type { TemplateLog } from '../types.js';

/** Thrown by `return(...)` inside a macro; caught by the macro's wrapper. */
export class MacroReturn {
  constructor(readonly value: unknown) {}
}

/** Thrown to abort a render that needs a query answered first. */
export class PendingQuery {
  constructor(readonly sql: string) {}
}

/** State shared by the context functions of one node's render attempts. */
export class RenderState {
  /** Answers of `run_query` / `statement`, by SQL text, kept across attempts. */
  readonly queryCache = new Map<string, QueryResult>();
  /** The query that aborted the last attempt. */
  pendingQuery?: string;
  /** A user error raised by a context function (unknown ref, missing var, raise_compiler_error). */
  thrown?: unknown;
  /** Unique ids of macros the template called directly. */
  readonly calledMacros = new Set<string>();
  /** Nesting of macro calls (0: the template itself is calling). */
  depth = 0;
  /** What the last attempt printed: `log(..., info=True)`, `print()`, `exceptions.warn()`. */
  logs: TemplateLog[] = [];
  /** Results of `{% call statement(name, fetch_result=True) %}` in this attempt. */
  statements = new Map<string, QueryResult>();

  /** Resets what belongs to one attempt (the query cache survives). */
  beginAttempt(): void {
    this.pendingQuery = undefined;
    this.thrown = undefined;
    this.calledMacros.clear();
    this.depth = 0;
    this.logs = [];
    this.statements = new Map();
  }
}
