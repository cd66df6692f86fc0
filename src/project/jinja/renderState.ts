/**
 * Bookkeeping of one node's rendering. Nunjucks renders synchronously, but `run_query()` and
 * `statement` need the database: a render that reaches an unanswered query records it as
 * `pendingQuery` and aborts; the caller runs the query, keeps its answer, and renders again
 * (answers are replayed in order) until the render completes.
 *
 * An attempt (one context built by buildDbtContext) may render several templates: a node's SQL,
 * then its hooks. Its queries are answered by their place in the attempt, not by their text, so
 * that the same statement issued twice runs twice, as under dbt.
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
  /** The answers of the queries of the attempts so far, in the order they were issued. */
  private readonly answers: QueryResult[] = [];
  /** Queries issued so far in this attempt. */
  private issued = 0;
  /** The query that aborted the last render. */
  pendingQuery?: string;
  /** A user error raised by a context function (unknown ref, missing var, raise_compiler_error). */
  thrown?: unknown;
  /** Unique ids of macros the template called directly. */
  readonly calledMacros = new Set<string>();
  /** Nesting of macro calls (0: the template itself is calling). */
  depth = 0;
  /** What this attempt's templates printed: `log(..., info=True)`, `print()`, `exceptions.warn()`. */
  logs: TemplateLog[] = [];
  /** Results of `{% call statement(name, fetch_result=True) %}` in this render. */
  statements = new Map<string, QueryResult>();

  /** Resets what belongs to one attempt (the answers survive). */
  beginAttempt(): void {
    this.issued = 0;
    this.logs = [];
  }

  /** Resets what belongs to one template's render within an attempt. */
  beginRender(): void {
    this.pendingQuery = undefined;
    this.thrown = undefined;
    this.calledMacros.clear();
    this.depth = 0;
    this.statements = new Map();
  }

  /**
   * The answer of the attempt's next query, or undefined when it has none yet. The place decides,
   * not the text: a query's text depends only on the answers before it, which are replayed, unless
   * the template reads the clock, and then the query that ran is the one the attempt stands for.
   */
  answerOf(): QueryResult | undefined {
    return this.answers[this.issued++];
  }

  /** Keeps the answer of the query that aborted the last render: the next in order. */
  answered(result: QueryResult): void {
    this.answers.push(result);
  }
}
